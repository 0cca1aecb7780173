// The capture options both fuzzers run with (a module of its own so the coverage-guided
// parser targets need not load the whole packet pipeline to get it).

/** Capture options of Arkime's regression config: every optional parser output switched on. */
export const FUZZ_CONFIG = `[default]
parseQSValue=true
parseCookieValue=true
supportSha256=true
dnsOutputAnswers=true
parseDNSRecordAll=true
parseSMTPHeaderAll=true
parseHTTPHeaderRequestAll=true
parseHTTPHeaderResponseAll=true
ja4Raw=true
ja3Strings=true
enablePacketLen=true
gapPacketPos=true
sessionIdTracking=vlan
trackESP=true
maxReqBody=2000
maxStreams=1000
maxPackets=200
smtpIpHeaders=X-Originating-IP:;X-Barracuda-Apparent-Source-IP:
magicMode=basic
saveUnknownPackets=all;corrupt
dontSaveBPFs=port 12345

[headers-http-request]
referer=type:string;count:true;unique:true

[headers-email]
x-priority=type:integer
`;
