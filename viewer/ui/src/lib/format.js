// Display formatting shared by the pages.
import { reactive } from 'vue';

export const prefs = reactive({
  theme: localStorage.getItem('packrat.theme') || 'auto',
  timezone: localStorage.getItem('packrat.timezone') || 'local',
  pageSize: Number(localStorage.getItem('packrat.pageSize')) || 50,
});

export function savePrefs() {
  localStorage.setItem('packrat.theme', prefs.theme);
  localStorage.setItem('packrat.timezone', prefs.timezone);
  localStorage.setItem('packrat.pageSize', String(prefs.pageSize));
  applyTheme();
}

export function applyTheme() {
  let t = prefs.theme;
  if (t === 'auto') t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.dataset.theme = t;
}

const IP_PROTOCOLS = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 89: 'ospf', 103: 'pim', 132: 'sctp' };

export function protocolName(n) { return IP_PROTOCOLS[n] || (n === undefined || n === null ? '' : String(n)); }

function pad(n, w = 2) { return String(n).padStart(w, '0'); }

/** Milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS` in the chosen time zone. */
export function formatTime(ms, withMs = false) {
  if (ms === undefined || ms === null || ms === '' || Number.isNaN(Number(ms))) return '';
  const d = new Date(Number(ms));
  const utc = prefs.timezone === 'utc';
  const Y = utc ? d.getUTCFullYear() : d.getFullYear();
  const M = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
  const D = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  const frac = withMs ? `.${pad(utc ? d.getUTCMilliseconds() : d.getMilliseconds(), 3)}` : '';
  return `${Y}-${pad(M)}-${pad(D)} ${pad(h)}:${pad(m)}:${pad(s)}${frac}${utc ? 'Z' : ''}`;
}

export function formatBytes(n) {
  n = Number(n);
  if (!Number.isFinite(n) || n < 0) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatCount(n) {
  n = Number(n);
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '';
}

/** One value of a session field as text: dates as times, protocols by name, arrays joined. */
export function formatValue(field, v) {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((x) => formatValue(field, x)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  const type = field && field.type;
  if (type === 'date' || (field && /(^|\.)(firstPacket|lastPacket|timestamp)$/.test(field.dbField))) return formatTime(v);
  if (field && field.dbField === 'ipProtocol') return protocolName(v);
  if (field && /bytes$/i.test(field.dbField) && typeof v === 'number') return `${formatCount(v)}`;
  return String(v);
}
