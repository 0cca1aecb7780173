// The infrastructure, database, industrial and IoT parsers (issue 3's "other" protocols),
// gathered so index.ts lists them with one entry.
import type { ProtocolParser } from './api.js';
import { adbParser } from './adb.js';
import { diameterParser } from './diameter.js';
import { enipTcp, enipUdp } from './enip.js';
import { ftpParser } from './ftp.js';
import { ircParser } from './irc.js';
import { modbusParser } from './modbus.js';
import { mqttParser } from './mqtt.js';
import { mysqlParser } from './mysql.js';
import { oracleParser } from './oracle.js';
import { postgresqlParser } from './postgresql.js';
import { s7commParser } from './s7comm.js';
import { sipTcp, sipUdp } from './sip.js';

export const otherParsers: ProtocolParser<any>[] = [
  mqttParser, sipUdp, sipTcp, adbParser, diameterParser, enipTcp, enipUdp, modbusParser, s7commParser,
  ftpParser, ircParser, postgresqlParser, oracleParser, mysqlParser,
];
