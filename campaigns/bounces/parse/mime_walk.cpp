// mime_walk.cpp — GMime parses; this file bounds what GMime is given and what is kept of its tree.
// GMime recurses once per nesting level and holds every part in memory, so the input is cut before the
// Content-Type field (or boundary-like line) past the limits: a bomb becomes a short, truncated message.
#include "campaigns/bounces/parse/mime_walk.hpp"

#include <gmime/gmime.h>

#include "campaigns/formats/gmime_support.hpp"
#include <mutex>

namespace campaigns {
namespace {

template <typename T>
using Ref = GObjectRef<T>;

struct GFree {
  char* p;
  ~GFree() { g_free(p); }
};

bool starts_with_nocase(std::string_view text, std::size_t at, std::string_view lower_word) {
  if (text.size() - at < lower_word.size()) return false;
  for (std::size_t i = 0; i < lower_word.size(); ++i) {
    char c = text[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_word[i]) return false;
  }
  return true;
}

// Where to cut the input so that GMime sees at most max_types Content-Type fields and max_delimiters
// lines that could be boundary delimiters ("--..."); text.size() when nothing needs cutting.
std::size_t nesting_cut(std::string_view text, std::size_t max_types, std::size_t max_delimiters) {
  std::size_t types = 0, delimiters = 0;
  for (std::size_t line = 0; line < text.size();) {
    if (text[line] == '-' && line + 1 < text.size() && text[line + 1] == '-' && ++delimiters > max_delimiters)
      return line;
    if ((text[line] == 'c' || text[line] == 'C') && starts_with_nocase(text, line, "content-type") &&
        ++types > max_types)
      return line;
    auto eol = text.find('\n', line);
    if (eol == std::string_view::npos) break;
    line = eol + 1;
  }
  return text.size();
}

std::string lower_mime_type(GMimeContentType* type) {
  if (!type) return "text/plain";
  GFree text{g_mime_content_type_get_mime_type(type)};
  return text.p ? ascii_lower(text.p) : std::string("text/plain");
}

std::vector<HeaderField> header_of(GMimeObject* object, const MimeLimits& limits) {
  std::vector<HeaderField> out;
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  int count = list ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < count && out.size() < limits.max_header_fields; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = h ? g_mime_header_get_name(h) : nullptr;
    const char* value = h ? g_mime_header_get_raw_value(h) : nullptr;
    if (!name) continue;
    out.push_back({clean_value(name, 100), clean_value(value ? value : "", limits.max_field_length)});
  }
  return out;
}

struct Walker {
  const MimeLimits& limits;
  MimeWalk& out;
  std::size_t kept = 0;
  bool noted_parts = false, noted_depth = false, noted_bytes = false;

  void keep(std::string type, std::size_t depth, bool embedded, std::string content) {
    if (content.size() > limits.max_part_bytes) content.resize(limits.max_part_bytes);
    if (kept + content.size() > limits.max_total_bytes) {
      content.resize(limits.max_total_bytes - kept);
      if (!noted_bytes)
        out.problems.push_back("more than " + std::to_string(limits.max_total_bytes) +
                               " decoded bytes in the parts: the rest is not read");
      noted_bytes = true;
    }
    kept += content.size();
    out.leaves.push_back({std::move(type), depth, embedded, std::move(content)});
  }

  std::string decoded(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content) return {};
    Ref<GMimeStream> stream(g_mime_stream_mem_new());
    if (g_mime_data_wrapper_write_to_stream(content, stream.p) < 0) return {};
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.p));
    if (!bytes) return {};
    std::size_t n = std::min<std::size_t>(bytes->len, limits.max_part_bytes);
    return std::string(reinterpret_cast<const char*>(bytes->data), n);
  }

  // A message/* part other than rfc822 (delivery-status, feedback-report) that GMime parsed as a message:
  // its text is the message written back (field groups, then the rest).
  std::string written(GMimeMessage* message) {
    Ref<GMimeStream> stream(g_mime_stream_mem_new());
    if (g_mime_object_write_to_stream(GMIME_OBJECT(message), nullptr, stream.p) < 0) return {};
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.p));
    if (!bytes) return {};
    std::size_t n = std::min<std::size_t>(bytes->len, limits.max_part_bytes);
    return std::string(reinterpret_cast<const char*>(bytes->data), n);
  }

  void walk(GMimeObject* object, std::size_t depth, bool embedded) {
    if (!object) return;
    if (out.parts >= limits.max_parts) {
      if (!noted_parts)
        out.problems.push_back("more than " + std::to_string(limits.max_parts) +
                               " MIME parts: the rest are not read");
      noted_parts = true;
      return;
    }
    if (depth > limits.max_depth) {
      if (!noted_depth)
        out.problems.push_back("MIME parts nested deeper than " + std::to_string(limits.max_depth) +
                               " levels are not read");
      noted_depth = true;
      return;
    }
    ++out.parts;
    std::string type = lower_mime_type(g_mime_object_get_content_type(object));
    if (GMIME_IS_MULTIPART(object)) {
      auto* multipart = GMIME_MULTIPART(object);
      int count = g_mime_multipart_get_count(multipart);
      for (int i = 0; i < count && out.parts < limits.max_parts + 1; ++i)
        walk(g_mime_multipart_get_part(multipart, i), depth + 1, embedded);
      return;
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      if (!message) return;
      if (type == "message/rfc822" || type == "message/global" || type == "message/news") {
        out.embedded.push_back({depth, embedded, header_of(GMIME_OBJECT(message), limits)});
        walk(g_mime_message_get_mime_part(message), depth + 1, true);
      } else {
        keep(std::move(type), depth, embedded, written(message));
      }
      return;
    }
    if (GMIME_IS_PART(object)) keep(std::move(type), depth, embedded, decoded(GMIME_PART(object)));
  }
};

}  // namespace

MimeWalk walk_mime(std::string_view message, const MimeLimits& limits) {
  MimeWalk out;
  if (message.size() > limits.max_message_bytes) {
    out.problems.push_back("the message is " + std::to_string(message.size()) + " bytes, over the limit of " +
                           std::to_string(limits.max_message_bytes) + ": only the first part is read");
    message = message.substr(0, limits.max_message_bytes);
    out.truncated = true;
  }
  auto cut = nesting_cut(message, limits.max_parts + 2 * limits.max_depth, 10 * limits.max_parts);
  if (cut < message.size()) {
    out.problems.push_back(
        "the message has too many MIME parts or too deep a nesting: it is read up to byte " +
        std::to_string(cut));
    message = message.substr(0, cut);
    out.truncated = true;
  }
  out.header = read_fields(message, limits.max_header_fields, limits.max_field_length);
  gmime_init_once();
  Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
  Ref<GMimeParser> parser(g_mime_parser_new_with_stream(stream.p));
  Ref<GMimeMessage> parsed(g_mime_parser_construct_message(parser.p, nullptr));
  if (!parsed.p) {
    out.problems.push_back("the input is not a MIME message");
    out.type = "text/plain";
    auto body = message.find("\n\n");
    out.leaves.push_back(
        {"text/plain", 0, false,
         std::string(message.substr(body == std::string_view::npos ? 0 : body, limits.max_part_bytes))});
    return out;
  }
  if (const char* subject = g_mime_message_get_subject(parsed.p))
    out.subject = clean_value(subject, limits.max_field_length);
  GMimeObject* root = g_mime_message_get_mime_part(parsed.p);
  if (root) {
    GMimeContentType* type = g_mime_object_get_content_type(root);
    out.type = lower_mime_type(type);
    if (const char* report = type ? g_mime_content_type_get_parameter(type, "report-type") : nullptr)
      out.report_type = ascii_lower(trim_copy(report));
  }
  Walker walker{limits, out};
  walker.walk(root, 0, false);
  return out;
}

}  // namespace campaigns
