/* fuzz_placeholders.c: the placeholder file that |expand reads, and the
   expansion of rules that name its placeholders under every modifier that
   may follow expand. A bad file or a bad value is a diagnostic; what
   compiles loads and runs. */
#include "fuzz.h"
#include "sigma/sigma_int.h"

static const char rules[] =
    "title: expand\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "  sel:\n"
    "    ComputerName|expand: '%Admins_Workstations%'\n"
    "    User|expand: ['%Administrators%', '%userdomain%\\%legit_users%']\n"
    "    CommandLine|contains|windash|expand: '-p %Workstations%'\n"
    "  enc:\n"
    "    CommandLine|wide|base64offset|contains|expand: '%DomainControllers%'\n"
    "    Image|endswith|cased|expand: '%ServerSystems%'\n"
    "  neg:\n"
    "    SourceIp|neq|expand: '%dc_ip_addresses%%dc_ip_addresses%'\n"
    "  condition: sel or enc or not neg\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sg_options opt = {.placeholder_file = "placeholders.yml"};
    sg_ruleset *rs = sg_ruleset_new(&opt);
    sg_placeholders_load_buffer(rs, opt.placeholder_file, (const char *)data, size);
    sg_load_buffer(rs, "rule.yml", rules, sizeof rules - 1);
    return fuzz_finish(rs);
}
