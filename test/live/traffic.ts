// Traffic for live tests, run inside a namespace:
//   udp-recv <port> <count>      exit after <count> datagrams (prints "ready")
//   udp-send <ip> <port> <count> <count> datagrams of 100 bytes, one after another
//   udp-paced <ip> <port> <count> <ms> <count> datagrams of 100 bytes (first 4: sequence number),
//                                one every <ms> milliseconds
//   udp-flows <ip> <port> <ms>  until killed or <ms> elapse: a new source port every few
//                                datagrams (many short sessions), one datagram per millisecond
//   http-serve <port>            answer GETs with 2000 bytes and close (prints "ready")
//   http-get <url> <times>       <times> GETs, each on a new connection
//   dns-serve <port>             answer A queries with 10.1.2.3 (prints "ready")
//   dns-query <ip> <port> <name> one A query
//   tcp-to-unix <port> <socket>  forward 127.0.0.1:<port> to a Unix socket (prints "ready"): a
//                                namespace reaches a server of the root namespace through it
import { createSocket } from 'node:dgram';
import { createServer, get } from 'node:http';
import net from 'node:net';

const [mode, a, b, c] = process.argv.slice(2);

async function main(): Promise<void> {
  if (mode === 'udp-recv') {
    const s = createSocket('udp4');
    let n = 0;
    s.on('message', () => { if (++n >= Number(b)) s.close(); });
    s.bind(Number(a), () => console.log('ready'));
  } else if (mode === 'udp-send') {
    const s = createSocket('udp4');
    const payload = Buffer.alloc(100, 0x61);
    for (let i = 0; i < Number(c); i++) {
      payload.writeUInt32BE(i, 0);
      await new Promise<void>((res, rej) => s.send(payload, Number(b), a, (e) => (e ? rej(e) : res())));
    }
    s.close();
  } else if (mode === 'udp-paced') {
    const s = createSocket('udp4');
    const payload = Buffer.alloc(100, 0x61);
    const every = Number(process.argv[6]);
    const t0 = Date.now();
    for (let i = 0; i < Number(c); i++) {
      const due = t0 + i * every - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      payload.writeUInt32BE(i, 0);
      await new Promise<void>((res, rej) => s.send(payload, Number(b), a, (e) => (e ? rej(e) : res())));
    }
    s.close();
  } else if (mode === 'udp-flows') {
    const end = Date.now() + Number(c);
    const payload = Buffer.alloc(200, 0x63);
    for (let flow = 0; Date.now() < end; flow++) {
      const s = createSocket('udp4');
      for (let i = 0; i < 5; i++) {
        payload.writeUInt32BE(flow, 0);
        await new Promise<void>((res, rej) => s.send(payload, Number(b), a, (e) => (e ? rej(e) : res())));
        await new Promise((r) => setTimeout(r, 1));
      }
      s.close();
    }
  } else if (mode === 'http-serve') {
    const body = Buffer.alloc(2000, 0x62);
    const srv = createServer((req, res) => { res.setHeader('Connection', 'close'); res.end(body); });
    srv.keepAliveTimeout = 0;
    srv.listen(Number(a), () => console.log('ready'));
  } else if (mode === 'http-get') {
    for (let i = 0; i < Number(b); i++) {
      await new Promise<void>((res, rej) => {
        get(a, { agent: false, headers: { Connection: 'close' } }, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej);
      });
    }
  } else if (mode === 'dns-serve') {
    // Answers every query with one A record 10.1.2.3 for the name asked.
    const s = createSocket('udp4');
    s.on('message', (q, from) => {
      const end = q.indexOf(0, 12) + 5;  // question: name, type, class
      const r = Buffer.concat([q.subarray(0, end), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3])]);
      r.writeUInt16BE(0x8180, 2);
      r.writeUInt16BE(1, 6);
      s.send(r, from.port, from.address);
    });
    s.bind(Number(a), () => console.log('ready'));
  } else if (mode === 'dns-query') {
    // dns-query <ip> <port> <name>: one A query, exit on the answer.
    const s = createSocket('udp4');
    const labels = c.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
    const q = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
    const t = setTimeout(() => { console.error('dns-query: no answer'); process.exit(1); }, 5000);
    s.on('message', () => { clearTimeout(t); s.close(); });
    s.send(q, Number(b), a);
  } else if (mode === 'tcp-to-unix') {
    net.createServer((c) => {
      const up = net.connect(b);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    }).listen(Number(a), '127.0.0.1', () => console.log('ready'));
  } else {
    throw new Error(`traffic: unknown mode ${mode}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
