// The infrastructure, database, industrial and IoT parsers (issue 3's "other" protocols),
// gathered so index.ts lists them with one entry.
import type { ProtocolParser } from './api.js';
import { adbParser } from './adb.js';
import { bacnetParser } from './bacnet.js';
import { bgpParser } from './bgp.js';
import { c1222Parser } from './c1222.js';
import { diameterParser } from './diameter.js';
import { dnp3Tcp, dnp3Udp } from './dnp3.js';
import { enipTcp, enipUdp } from './enip.js';
import { ftpParser } from './ftp.js';
import { ircParser } from './irc.js';
import { modbusParser } from './modbus.js';
import { mqttParser } from './mqtt.js';
import { mysqlParser } from './mysql.js';
import { opcuaParser } from './opcua.js';
import { oracleParser } from './oracle.js';
import { panaParser } from './pana.js';
import { postgresqlParser } from './postgresql.js';
import { ptpParser } from './ptp.js';
import { s7commParser } from './s7comm.js';
import { sipTcp, sipUdp } from './sip.js';
import { synchrophasorTcp, synchrophasorUdp } from './synchrophasor.js';
import { tdsParser } from './tds.js';
// Per-frame and per-packet parsers outside the classifier chain register their hooks on import.
import './arp.js';
import './isis.js';
import './ospf.js';
import './sctp-fields.js';

export const otherParsers: ProtocolParser<any>[] = [
  mqttParser, sipUdp, sipTcp, adbParser, diameterParser, enipTcp, enipUdp, modbusParser, s7commParser,
  ftpParser, ircParser, postgresqlParser, oracleParser, mysqlParser,
  c1222Parser, opcuaParser, synchrophasorTcp, synchrophasorUdp, ptpParser, dnp3Tcp, dnp3Udp, bacnetParser,
  panaParser, bgpParser, tdsParser,
];
