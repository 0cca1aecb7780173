// Samples for the web parsers.
import { endpoint, tcpDialog } from '../../synth/traffic.js';
import { at, type Sample } from './sample.js';

export const webSamples: Sample[] = [
  {
    name: 'http',
    about: 'GET with a query string and cookie, 200 with a chunked body; a POST with a body',
    config: '[default]\nparseQSValue=true\nparseCookieValue=true\n',
    frames: () => [
      ...tcpDialog(endpoint('10.1.0.1', 40001), endpoint('10.1.0.2', 80, 'server'), at(0), [
        { from: 'client', data: 'GET /index.html?q=packrat&lang=en HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: curl/8.0\r\nCookie: sid=abc123\r\nAccept: */*\r\n\r\n' },
        { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nServer: nginx\r\n\r\n5\r\n<html\r\n9\r\n>hi</html\r\n1\r\n>\r\n0\r\n\r\n' },
      ]),
      ...tcpDialog(endpoint('10.1.0.1', 40002), endpoint('10.1.0.2', 8080, 'server'), at(1), [
        { from: 'client', data: 'POST /api/login HTTP/1.1\r\nHost: api.example.test:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 19\r\n\r\nuser=bob&pass=s3cr3' },
        { from: 'server', data: 'HTTP/1.1 302 Found\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n' },
      ]),
    ],
  },
];
