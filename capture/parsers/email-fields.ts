// The `email` field group shared by the SMTP, IMAP and POP3 parsers (Arkime's smtp.c and
// imap.c), and the header → field table built from `[headers-email]`.
import { defineField, type Field, type FieldKind, type FieldSpec } from '../../db/fields/registry.js';
import { configuredHeader, type HeaderValueKind } from '../../db/fields/config-fields.js';
import type { ParserConfig } from './api.js';

const e = (s: Omit<FieldSpec, 'group'>) => defineField({ group: 'email', requiredRight: 'emailSearch', ...s });

export const emailFields = {
  host: e({ exp: 'host.email', db: 'email.host', kind: 'lotermfield', friendly: 'Hostname', help: 'Email hostnames', cnt: true, aliases: ['email.host'], category: 'host' }),
  useragent: e({ exp: 'email.x-mailer', db: 'email.useragent', kind: 'termfield', friendly: 'X-Mailer Header', help: 'Email X-Mailer header', cnt: true }),
  src: e({ exp: 'email.src', db: 'email.src', kind: 'lotermfield', friendly: 'Sender', help: 'Email from address', cnt: true, category: 'user' }),
  dst: e({ exp: 'email.dst', db: 'email.dst', kind: 'lotermfield', friendly: 'Receiver', help: 'Email to address', cnt: true, category: 'user' }),
  subject: e({ exp: 'email.subject', db: 'email.subject', kind: 'termfield', friendly: 'Subject', help: 'Email subject header', cnt: true }),
  id: e({ exp: 'email.message-id', db: 'email.id', kind: 'termfield', friendly: 'Id', help: 'Email Message-Id header', cnt: true }),
  contentType: e({ exp: 'email.content-type', db: 'email.contentType', kind: 'termfield', friendly: 'Content-Type', help: 'Email content-type header', cnt: true }),
  mimeVersion: e({ exp: 'email.mime-version', db: 'email.mimeVersion', kind: 'termfield', friendly: 'Mime-Version', help: 'Email Mime-Header header', cnt: true }),
  filename: e({ exp: 'email.fn', db: 'email.filename', kind: 'termfield', friendly: 'Filenames', help: 'Email attachment filenames', cnt: true }),
  md5: e({ exp: 'email.md5', db: 'email.md5', kind: 'termfield', friendly: 'Attach MD5s', help: 'Email attachment MD5s', cnt: true, category: 'md5' }),
  sha256: e({ exp: 'email.sha256', db: 'email.sha256', kind: 'termfield', friendly: 'Attach SHA256s', help: 'Email attachment SHA256s', cnt: true, category: 'sha256' }),
  fileContentType: e({ exp: 'email.file-content-type', db: 'email.fileContentType', kind: 'termfield', friendly: 'Attach Content-Type', help: 'Email attachment content types', cnt: true }),
  ip: e({ exp: 'ip.email', db: 'email.ip', kind: 'ip', friendly: 'IP', help: 'Email IP address', cnt: true, ipPre: true, category: 'ip' }),
  header: e({ exp: 'email.has-header', db: 'email.header', kind: 'lotermfield', friendly: 'Header', help: 'Email has the header set', cnt: true }),
  headerField: e({ exp: 'email.has-header.name', db: 'email.headerField', kind: 'termfield', friendly: 'Header Field', help: 'Email has the header field set', store: 'array', nodb: true }),
  headerValue: e({ exp: 'email.has-header.value', db: 'email.headerValue', kind: 'termfield', friendly: 'Header Value', help: 'Email has the header value', store: 'array', cnt: true }),
  bodyMagic: e({ exp: 'email.bodymagic', db: 'email.bodyMagic', kind: 'termfield', friendly: 'Body Magic', help: 'The content type of body determined by libfile/magic', cnt: true }),
  smtpHello: e({ exp: 'email.smtp-hello', db: 'email.smtpHello', kind: 'lotermfield', friendly: 'SMTP Hello', help: 'SMTP HELO/EHLO', cnt: true }),
  folder: e({ exp: 'email.folder', db: 'email.folder', kind: 'termfield', friendly: 'Folder', help: 'Email folder/mailbox name', cnt: true }),
};

/** What a known header does with its value. */
export type EmailHeaderRole =
  | 'dst' | 'src' | 'id' | 'contentType' | 'subject' | 'useragent' | 'mimeVersion' | 'received'
  | 'integer' | 'string' | 'lower' | 'ip';

export interface EmailHeaderTarget { role: EmailHeaderRole; field?: Field }

const BUILT_IN: [string, EmailHeaderRole][] = [
  ['cc', 'dst'], ['to', 'dst'], ['from', 'src'], ['message-id', 'id'], ['content-type', 'contentType'],
  ['subject', 'subject'], ['x-mailer', 'useragent'], ['user-agent', 'useragent'], ['mime-version', 'mimeVersion'],
  ['received', 'received'],
];

export interface EmailConfig {
  headers: Map<string, EmailHeaderTarget>;
  /** `smtpIpHeaders`, lower case, trailing colon dropped. */
  ipHeaders: string[];
  headerAll: boolean;
  sha256: boolean;
}

let cached: { key: string; cfg: EmailConfig } | undefined;

/** The email settings of this config, built once per distinct config. */
export function emailConfig(config: ParserConfig): EmailConfig {
  const section = config.section('headers-email');
  const ipHeaders = config.list('smtpIpHeaders', []).map((h) => {
    const l = h.trim().toLowerCase();
    return l.endsWith(':') ? l.slice(0, -1) : l;
  }).filter((h) => h.length > 0);
  const headerAll = config.bool('parseSMTPHeaderAll', false);
  const sha256 = config.bool('supportSha256', false);
  const key = JSON.stringify([[...section], ipHeaders, headerAll, sha256]);
  if (cached && cached.key === key) return cached.cfg;
  const headers = new Map<string, EmailHeaderTarget>();
  for (const [name, role] of BUILT_IN) headers.set(name, { role });
  for (const [name, v] of section) {
    const n = name.toLowerCase();
    if (!headers.has(n)) { const h = configuredHeader('headers-email', n, v); headers.set(n, { role: h.kind === 'float' ? 'string' : h.kind, field: h.field }); }
  }
  const cfg = { headers, ipHeaders, headerAll, sha256 };
  cached = { key, cfg };
  return cfg;
}
