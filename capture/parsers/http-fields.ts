// HTTP session fields (Arkime's http.c field table) and the configured-header fields of
// [headers-http-request] / [headers-http-response].
import { defineField, type Field, type FieldKind, type FieldSpec } from '../../db/fields/registry.js';
import { configuredHeader, type HeaderValueKind } from '../../db/fields/config-fields.js';
import type { ParserConfig } from './api.js';

const h = (s: Omit<FieldSpec, 'group'>) => defineField({ group: 'http', ...s });

export const httpFields = {
  host: h({ exp: 'host.http', db: 'http.host', kind: 'lotermfield', friendly: 'Hostname', help: 'HTTP host header field', cnt: true, aliases: ['http.host'], category: 'host' }),
  hostTokens: h({ exp: 'host.http.tokens', db: 'http.hostTokens', kind: 'lotextfield', friendly: 'Hostname Tokens', help: 'HTTP host Tokens header field', aliases: ['http.host.tokens'], viewerOnly: true }),
  uri: h({ exp: 'http.uri', db: 'http.uri', kind: 'termfield', friendly: 'URI', help: 'URIs for request', cnt: true, category: ['url', 'host'] }),
  uriTokens: h({ exp: 'http.uri.tokens', db: 'http.uriTokens', kind: 'lotextfield', friendly: 'URI Tokens', help: 'URIs Tokens for request', viewerOnly: true }),
  xff: h({ exp: 'ip.xff', db: 'http.xffIp', kind: 'ip', friendly: 'XFF IP', help: 'X-Forwarded-For Header', cnt: true, ipPre: true, category: 'ip' }),
  useragent: h({ exp: 'http.user-agent', db: 'http.useragent', kind: 'termfield', friendly: 'Useragent', help: 'User-Agent Header', cnt: true }),
  useragentTokens: h({ exp: 'http.user-agent.tokens', db: 'http.useragentTokens', kind: 'lotextfield', friendly: 'Useragent Tokens', help: 'User-Agent Header Tokens', viewerOnly: true }),
  requestHeader: h({ exp: 'http.hasheader.src', db: 'http.requestHeader', kind: 'lotermfield', friendly: 'Has Src Header', help: 'Request has header present', cnt: true }),
  responseHeader: h({ exp: 'http.hasheader.dst', db: 'http.responseHeader', kind: 'lotermfield', friendly: 'Has Dst Header', help: 'Response has header present', cnt: true }),
  requestHeaderField: h({ exp: 'http.header.request.field', db: 'http.requestHeaderField', kind: 'lotermfield', friendly: 'Request Header Fields', help: 'Contains Request header fields', store: 'array', nodb: true }),
  requestHeaderValue: h({ exp: 'http.hasheader.src.value', db: 'http.requestHeaderValue', kind: 'lotermfield', friendly: 'Request Header Values', help: 'Contains request header values', store: 'array', cnt: true }),
  responseHeaderField: h({ exp: 'http.header.response.field', db: 'http.responseHeaderField', kind: 'lotermfield', friendly: 'Response Header fields', help: 'Contains response header fields', store: 'array', nodb: true }),
  responseHeaderValue: h({ exp: 'http.hasheader.dst.value', db: 'http.responseHeaderValue', kind: 'lotermfield', friendly: 'Response Header Values', help: 'Contains response header values', store: 'array', cnt: true }),
  hasHeader: h({ exp: 'http.hasheader', db: 'hhall', kind: 'lotermfield', friendly: 'Has Src or Dst Header', help: 'Shorthand for http.hasheader.src or http.hasheader.dst', viewerOnly: true, regex: '^http\\.hasheader\\.(?:(?!(cnt|value)$).)*$' }),
  hasHeaderValue: h({ exp: 'http.hasheader.value', db: 'hhvalueall', kind: 'lotermfield', friendly: 'Has Value in Src or Dst Header', help: 'Shorthand for http.hasheader.src.value or http.hasheader.dst.value', viewerOnly: true, regex: '^http\\.hasheader\\.(src|dst)\\.value$' }),
  md5: h({ exp: 'http.md5', db: 'http.md5', kind: 'lotermfield', friendly: 'Body MD5', help: 'MD5 of http body response', cnt: true, category: 'md5' }),
  sha256: h({ exp: 'http.sha256', db: 'http.sha256', kind: 'lotermfield', friendly: 'Body SHA256', help: 'SHA256 of http body response', cnt: true, category: 'sha256' }),
  version: h({ exp: 'http.version', db: 'httpversion', kind: 'termfield', friendly: 'Version', help: 'HTTP version number', viewerOnly: true, regex: '^http.version.[a-z]+$' }),
  clientVersion: h({ exp: 'http.version.src', db: 'http.clientVersion', kind: 'termfield', friendly: 'Src Version', help: 'Request HTTP version number', cnt: true }),
  serverVersion: h({ exp: 'http.version.dst', db: 'http.serverVersion', kind: 'termfield', friendly: 'Dst Version', help: 'Response HTTP version number', cnt: true }),
  path: h({ exp: 'http.uri.path', db: 'http.path', kind: 'termfield', friendly: 'URI Path', help: 'Path portion of URI', cnt: true }),
  key: h({ exp: 'http.uri.key', db: 'http.key', kind: 'termfield', friendly: 'QS Keys', help: 'Keys from query string of URI', cnt: true }),
  value: h({ exp: 'http.uri.value', db: 'http.value', kind: 'termfield', friendly: 'QS Values', help: 'Values from query string of URI', cnt: true }),
  cookieKey: h({ exp: 'http.cookie.key', db: 'http.cookieKey', kind: 'termfield', friendly: 'Cookie Keys', help: 'The keys to cookies sent up in requests', cnt: true }),
  cookieValue: h({ exp: 'http.cookie.value', db: 'http.cookieValue', kind: 'termfield', friendly: 'Cookie Values', help: 'The values to cookies sent up in requests', cnt: true }),
  method: h({ exp: 'http.method', db: 'http.method', kind: 'termfield', friendly: 'Request Method', help: 'HTTP Request Method', cnt: true }),
  bodyMagic: h({ exp: 'http.bodymagic', db: 'http.bodyMagic', kind: 'termfield', friendly: 'Body Magic', help: 'The content type of body determined by libfile/magic', cnt: true }),
  user: h({ exp: 'http.user', db: 'http.user', kind: 'termfield', friendly: 'User', help: 'HTTP Auth User', cnt: true, category: 'user' }),
  authType: h({ exp: 'http.authtype', db: 'http.authType', kind: 'lotermfield', friendly: 'Auth Type', help: 'HTTP Auth Type', cnt: true }),
  statuscode: h({ exp: 'http.statuscode', db: 'http.statuscode', kind: 'integer', friendly: 'Status Code', help: 'Response HTTP numeric status code', cnt: true }),
  requestBody: h({ exp: 'http.reqbody', db: 'http.requestBody', kind: 'termfield', friendly: 'Request Body', help: 'HTTP Request Body' }),
};

/**
 * Methods with a request counter `http.method-<M>` (Arkime tracks these seven), per segment: the
 * count is not carried into a split session's next segment.
 */
export const COUNTED_METHODS = ['DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS'] as const;
export const methodCountFields: Field[] = COUNTED_METHODS.map((m) => h({
  exp: `http.method.${m}`, db: `http.method-${m}`, kind: 'integer', store: 'single', linked: false,
  friendly: `${m} count`, help: `Number of ${m} requests`,
}));

/** How a header's value becomes a field value. */
export type HeaderKind = HeaderValueKind;
export interface HeaderTarget { field: Field; kind: HeaderKind }

export interface HeaderTables {
  request: Map<string, HeaderTarget>;
  response: Map<string, HeaderTarget>;
}

let cached: { key: string; tables: HeaderTables } | undefined;

/** The header → field tables for this config: built-in ones plus the configured sections. */
export function headerTables(config: ParserConfig): HeaderTables {
  const req = config.section('headers-http-request');
  const res = config.section('headers-http-response');
  const key = JSON.stringify([[...req], [...res]]);
  if (cached && cached.key === key) return cached.tables;
  const request = new Map<string, HeaderTarget>([
    ['x-forwarded-for', { field: httpFields.xff, kind: 'ip' }],
    ['user-agent', { field: httpFields.useragent, kind: 'string' }],
    ['host', { field: httpFields.host, kind: 'string' }],
  ]);
  const response = new Map<string, HeaderTarget>();
  for (const [name, v] of req) {
    const n = name.toLowerCase();
    if (!request.has(n)) request.set(n, configuredHeader('headers-http-request', n, v));
  }
  for (const [name, v] of res) {
    const n = name.toLowerCase();
    if (!response.has(n)) response.set(n, configuredHeader('headers-http-response', n, v));
  }
  const tables = { request, response };
  cached = { key, tables };
  return tables;
}
