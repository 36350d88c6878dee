#include "dkim/header_set.hpp"

namespace dkim {
namespace {

// NULL-terminated, as libopendkim's DKIM_OPTS_SIGNHDRS and DKIM_OPTS_OVERSIGNHDRS take them.
constexpr const char* kSigned[] = {"From",
                                   "Sender",
                                   "Reply-To",
                                   "Subject",
                                   "Date",
                                   "Message-ID",
                                   "To",
                                   "Cc",
                                   "MIME-Version",
                                   "Content-Type",
                                   "Content-Transfer-Encoding",
                                   "Content-ID",
                                   "Content-Description",
                                   "Resent-Date",
                                   "Resent-From",
                                   "Resent-Sender",
                                   "Resent-To",
                                   "Resent-Cc",
                                   "Resent-Message-ID",
                                   "In-Reply-To",
                                   "References",
                                   "List-Id",
                                   "List-Help",
                                   "List-Unsubscribe",
                                   "List-Unsubscribe-Post",
                                   "List-Subscribe",
                                   "List-Post",
                                   "List-Owner",
                                   "List-Archive",
                                   "Feedback-ID",
                                   nullptr};

constexpr const char* kOversigned[] = {"From", "To", "Subject", nullptr};

}  // namespace

std::span<const char* const> signed_header_names() {
  return {kSigned, std::size(kSigned) - 1};
}
std::span<const char* const> oversigned_header_names() {
  return {kOversigned, std::size(kOversigned) - 1};
}

}  // namespace dkim
