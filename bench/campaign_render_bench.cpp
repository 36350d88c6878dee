// campaign_render_bench — rendering campaign messages on one core: MessageBuilder::build per recipient
// (Mustache text and HTML templates parsed once, the MIME text written with GMime's encoders, tokens,
// RFC 2047 headers), for a multipart/alternative message of about 2 KB with quoted-printable parts;
// items per second is messages per second (compare the CPU column: wall time is shared). The target for
// campaign sending is 20,000 messages/s on one core. Also the parts alone: template rendering, and
// reading and checking CSV rows (address syntax, de-duplication, suppression lookup in memory).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/message/message_builder.hpp"
#include "campaigns/campaign/recipients.hpp"

namespace {

namespace fs = std::filesystem;
using namespace campaigns;

const std::string kText =
    "Hi {{first_name}}{{^first_name}}there{{/first_name}},\n\n"
    "Spring is here, and so is {{offer}} on everything in the {{city}} store until Sunday.\n"
    "Show this message at the till or use the code {{code}} online.\n\n"
    "See you soon,\nthe Acme team\n\nUnsubscribe: {{unsubscribe_url}}\n";
const std::string kHtml =
    "<html><body><h1>Hi {{first_name}}{{^first_name}}there{{/first_name}},</h1>"
    "<p>Spring is here, and so is <b>{{offer}}</b> on everything in the {{city}} store until Sunday.</p>"
    "<p>Show this message at the till or use the code <code>{{code}}</code> online.</p>"
    "<p>See you soon,<br>the Acme team</p>"
    "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>\n";
const std::string kCampaign =
    "id = \"spring-24\"\nname = \"Spring news\"\nfrom = \"Acme News <news@acme.example>\"\n"
    "subject = \"{{first_name}}, {{offer}} this week\"\ntext_template = \"news.txt\"\n"
    "html_template = \"news.html\"\nrecipients = \"list.csv\"\n"
    "bounce_address = \"bounces@bounce.acme.example\"\nlist_id = \"spring.news.acme.example\"\n"
    "[unsubscribe]\nurl = \"https://acme.example/u\"\nmailto = \"unsubscribe@acme.example\"\n"
    "[feedback_id]\nsender = \"acme\"\n";

std::string csv(int rows) {
  std::string out = "email,first_name,offer,city,code\n";
  for (int i = 0; i < rows; ++i)
    out += "user" + std::to_string(i) + "@example" + std::to_string(i % 100) + ".com,Name" +
           std::to_string(i) + ",20% off,Köln,SPRING" + std::to_string(i) + "\n";
  return out;
}

struct Fixture {
  Fixture() {
    dir = fs::temp_directory_path() / ("relay-render-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "news.txt") << kText;
    std::ofstream(dir / "news.html") << kHtml;
    std::ofstream(dir / "list.csv") << csv(1000);
    auto load = load_campaign_text(kCampaign, "bench.toml", dir);
    if (!load.campaign) throw std::runtime_error("bench campaign does not load");
    campaign.emplace(std::move(*load.campaign));
    std::istringstream in(csv(1000));
    RecipientReader reader(in, store);
    columns = reader.columns();
    RecipientRow row;
    while (reader.next(row))
      rows.push_back(row);
  }
  ~Fixture() { fs::remove_all(dir); }
  fs::path dir;
  std::optional<Campaign> campaign;
  MemorySuppressionStore store;
  std::vector<std::string> columns;
  std::vector<RecipientRow> rows;
  TokenSecret secret = TokenSecret::from_bytes("0123456789abcdef0123456789abcdef-bench");
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BuildMessage(benchmark::State& state) {
  auto& f = fixture();
  MessageBuilder builder(*f.campaign, f.secret, f.columns);
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto message = builder.build(f.rows[i++ % f.rows.size()]);
    bytes += message.message.size();
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BuildMessage);

void RenderTemplates(benchmark::State& state) {
  auto& f = fixture();
  Fields fields;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& row = f.rows[i++ % f.rows.size()];
    fields.clear();
    for (std::size_t c = 0; c < f.columns.size(); ++c)
      fields.set(f.columns[c], row.cells[c]);
    fields.set("unsubscribe_url", "https://acme.example/u?t=spring-24.abc.def");
    benchmark::DoNotOptimize(f.campaign->text->render(fields));
    benchmark::DoNotOptimize(f.campaign->html->render(fields));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(RenderTemplates);

void ReadRecipients(benchmark::State& state) {
  std::string text = csv(10000);
  for (auto _ : state) {
    MemorySuppressionStore store;
    std::istringstream in(text);
    RecipientReader reader(in, store);
    RecipientRow row;
    while (reader.next(row))
      benchmark::DoNotOptimize(row);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(ReadRecipients);

}  // namespace

BENCHMARK_MAIN();
