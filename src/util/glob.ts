/** A `*` wildcard pattern (everything else literal) as an anchored regex. */
export function wildcard(glob: string, flags = ''): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, flags);
}

/** A policy value that may be one pattern or a list of them. */
export function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
