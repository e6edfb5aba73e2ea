/**
 * The box's environment starts empty. Only terminal and locale settings pass by default;
 * anything else must be named by the policy, so secrets in the host env stay out.
 */
const ALWAYS_PASS = [
  'PATH',
  'TERM',
  'COLORTERM',
  'TERM_PROGRAM',
  'TERM_PROGRAM_VERSION',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'NO_COLOR',
  'FORCE_COLOR',
  'COLUMNS',
  'LINES',
  'EDITOR',
  'VISUAL',
  'PAGER',
];

function matches(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export interface EnvInputs {
  hostEnv: NodeJS.ProcessEnv;
  pass: readonly string[];
  set: Readonly<Record<string, string>>;
  tz?: string;
  home: string;
  user: string;
  proxyUrl: string;
  sessionId: string;
  shell: string;
}

export function buildEnv(inp: EnvInputs): Record<string, string> {
  const env: Record<string, string> = {};
  const patterns = [...ALWAYS_PASS, ...inp.pass];
  for (const [name, value] of Object.entries(inp.hostEnv)) {
    if (value !== undefined && patterns.some((p) => matches(name, p))) env[name] = value;
  }
  if (!env.PATH) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  if (inp.tz !== undefined) env.TZ = inp.tz;
  Object.assign(env, {
    HOME: inp.home,
    USER: inp.user,
    LOGNAME: inp.user,
    SHELL: inp.shell,
    TMPDIR: '/tmp',
    HTTP_PROXY: inp.proxyUrl,
    HTTPS_PROXY: inp.proxyUrl,
    ALL_PROXY: inp.proxyUrl,
    http_proxy: inp.proxyUrl,
    https_proxy: inp.proxyUrl,
    all_proxy: inp.proxyUrl,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    GLASSBOX: '1',
    GLASSBOX_SESSION: inp.sessionId,
  });
  Object.assign(env, inp.set);
  return env;
}
