// Matching a `file` term value against recorded pcap paths: one module that both the compilers
// (to reject a bad regex with its position) and the stores' file resolvers use.

/**
 * How a `file` term value matches a recorded pcap path: `/re/` is a regular expression, a value
 * with `*` a wildcard, anything else the exact name. Matches the whole path.
 * Throws SyntaxError for a `/re/` that is not a valid regular expression.
 */
export function fileNameMatcher(name: string): (path: string) => boolean {
  if (name.length > 1 && name[0] === '/' && name[name.length - 1] === '/') {
    const re = new RegExp(`^(?:${name.slice(1, -1)})$`);
    return (p) => re.test(p);
  }
  if (name.includes('*')) {
    const re = new RegExp(`^${name.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return (p) => re.test(p);
  }
  return (p) => p === name;
}
