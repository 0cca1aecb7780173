// The import progress: a redrawn status line on a terminal, plain log lines otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../../capture/pipeline/progress.js';

test('terminal: the status line names the file and shows MB/s, packets, sessions, parser errors and ETA', () => {
  const out: string[] = [];
  const p = new Progress(false, true, (s) => out.push(s));
  p.startFile('/data/in/big.pcap', 100e6);
  const line = p.statusLine(25e6, 12345, 678, 3, 2);
  assert.match(line, /^big\.pcap \[#{6}\.{18}\] 25% 13 MB\/s 12345 packets 678 sessions 3 parser errors ETA 6s$/);
  p.update(1e6, 10, 1);
  assert.equal(out.length, 1);
  assert.ok(out[0].startsWith('\r\x1b[K'), 'redrawn in place');
  assert.equal(out.filter((s) => s.includes('\n')).length, 0, 'no log lines on a terminal while importing');
});

test('not a terminal: one line per file start and end, and a summary with parser errors', () => {
  const out: string[] = [];
  const p = new Progress(false, false, (s) => out.push(s));
  p.startFile('/data/in/a.pcap', 2e6);
  p.update(1e6, 100, 5);
  p.endFile('/data/in/a.pcap', 2e6, 200);
  p.done({ files: 1, packets: 200, sessions: 9, bytes: 2e6, seconds: 1, errors: 1, parserErrors: 4 });
  assert.equal(out.length, 3);
  assert.match(out[0], /^packrat: importing \/data\/in\/a\.pcap \(2\.0 MB\)\n$/);
  assert.match(out[1], /^packrat: done \/data\/in\/a\.pcap: 200 packets, 2\.0 MB in /);
  assert.match(out[2], /imported 1 file\(s\): 200 packets, 9 sessions, .* 4 parser error\(s\), 1 file error\(s\)\n$/);
});

test('quiet: nothing but explicit log lines', () => {
  const out: string[] = [];
  const p = new Progress(true, false, (s) => out.push(s));
  p.startFile('x.pcap', 1); p.update(1, 1, 1); p.endFile('x.pcap', 1, 1);
  p.done({ files: 1, packets: 1, sessions: 1, bytes: 1, seconds: 1, errors: 0, parserErrors: 0 });
  assert.equal(out.length, 0);
  p.log('packrat: x.pcap: truncated');
  assert.deepEqual(out, ['packrat: x.pcap: truncated\n']);
});
