// ClientHello bytes shared by the TLS and QUIC parser tests.
export const u16 = (v: number) => [v >> 8, v & 0xff];
export const u24 = (v: number) => [v >> 16, (v >> 8) & 0xff, v & 0xff];
export const ext = (type: number, body: number[]) => [...u16(type), ...u16(body.length), ...body];

/** A ClientHello with GREASE, SNI, groups, point formats, sig algs, ALPN h2 and supported versions. */
export function clientHelloBody(sni = 'Example.COM'): number[] {
  const name = [...Buffer.from(sni, 'latin1')];
  const exts = [
    ...ext(0x0a0a, []),
    ...ext(0, [...u16(name.length + 3), 0, ...u16(name.length), ...name]),
    ...ext(0x000a, [...u16(6), ...u16(0x2a2a), ...u16(29), ...u16(23)]),
    ...ext(0x000b, [1, 0]),
    ...ext(0x000d, [...u16(4), ...u16(0x0403), ...u16(0x0804)]),
    ...ext(0x0010, [...u16(3), 2, 0x68, 0x32]),
    ...ext(0x002b, [4, ...u16(0x0304), ...u16(0x0303)]),
  ];
  return [
    ...u16(0x0303), ...new Array(32).fill(7), 0,
    ...u16(8), ...u16(0x1a1a), ...u16(0x1302), ...u16(0x1301), ...u16(0xc02f), 1, 0,
    ...u16(exts.length), ...exts,
  ];
}

