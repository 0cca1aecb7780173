// Traffic for live tests, run inside a namespace:
//   udp-recv <port> <count>      exit after <count> datagrams (prints "ready")
//   udp-send <ip> <port> <count> <count> datagrams of 100 bytes, one after another
//   http-serve <port>            answer GETs with 2000 bytes and close (prints "ready")
//   http-get <url> <times>       <times> GETs, each on a new connection
import { createSocket } from 'node:dgram';
import { createServer, get } from 'node:http';

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
  } else {
    throw new Error(`traffic: unknown mode ${mode}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
