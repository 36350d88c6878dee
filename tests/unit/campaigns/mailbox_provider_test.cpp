// campaigns::provider_for_mx: real MX host names grouped by provider, suffixes matched on a label
// boundary, case and trailing dots ignored, unknown hosts and IP literals "other".
#include "campaigns/bounces/report/mailbox_provider.hpp"

#include <set>

#include <gtest/gtest.h>

namespace campaigns {
namespace {

TEST(MailboxProvider, RealMxHosts) {
  const std::pair<const char*, const char*> cases[] = {
      {"gmail-smtp-in.l.google.com", "Gmail / Google Workspace"},
      {"ASPMX.L.GOOGLE.COM.", "Gmail / Google Workspace"},
      {"alt1.gmail-smtp-in.l.google.com", "Gmail / Google Workspace"},
      {"example-com.mail.protection.outlook.com", "Microsoft"},
      {"hotmail-com.olc.protection.outlook.com", "Microsoft"},
      {"mta5.am0.yahoodns.net", "Yahoo / AOL"},
      {"mx-aol.mail.gm0.yahoodns.net", "Yahoo / AOL"},
      {"mx01.mail.icloud.com", "Apple iCloud"},
      {"mx1.comcast.net", "Comcast"},
      {"mx00.emig.gmx.net", "GMX / web.de"},
      {"mx-ha03.web.de", "GMX / web.de"},
      {"mx00.kundenserver.de", "IONOS"},
      {"smtp-in.orange.fr", "Orange"},
      {"mxs.mail.ru", "Mail.ru"},
      {"mx.yandex.net", "Yandex"},
      {"mx1.qq.com", "QQ / Tencent"},
      {"eu-smtp-inbound-1.mimecast.com", "Mimecast"},
      {"mx0a-00123401.pphosted.com", "Proofpoint"},
      {"d123.a.ess.barracudanetworks.com", "Barracuda"},
      {"mx.zoho.com", "Zoho"},
      {"in1-smtp.messagingengine.com", "Fastmail"},
  };
  for (const auto& [host, provider] : cases)
    EXPECT_EQ(provider_for_mx(host), provider) << host;
}

TEST(MailboxProvider, LabelBoundaryAndUnknowns) {
  EXPECT_EQ(provider_for_mx("notgoogle.com"), kOtherProvider);  // not a label boundary
  EXPECT_EQ(provider_for_mx("google.com.evil.test"), kOtherProvider);
  EXPECT_EQ(provider_for_mx("google.com"), "Gmail / Google Workspace");
  EXPECT_EQ(provider_for_mx("mx.example.net"), kOtherProvider);
  EXPECT_EQ(provider_for_mx("192.0.2.1"), kOtherProvider);
  EXPECT_EQ(provider_for_mx(""), kOtherProvider);
  EXPECT_EQ(provider_for_mx("."), kOtherProvider);
}

TEST(MailboxProvider, LongestSuffixWinsAndTheTableHasNoDuplicates) {
  EXPECT_EQ(provider_for_mx("mx.mail.me.com"), "Apple iCloud");
  EXPECT_EQ(provider_for_mx("mxs.mail.ru"), "Mail.ru");  // not mail.com's
  std::set<std::string_view> seen;
  for (const auto& entry : provider_suffixes()) {
    EXPECT_TRUE(seen.insert(entry.suffix).second) << entry.suffix;
    EXPECT_EQ(provider_for_mx(entry.suffix), entry.provider) << entry.suffix;
  }
}

}  // namespace
}  // namespace campaigns
