/**
 * Values that change from run to run whatever the environment: ids, hashes, times of day,
 * epoch stamps, and this run's own paths. Masked before comparing, so that what is left to
 * differ is what the environment changed. Dates (not times) and time-zone offsets are kept:
 * those are exactly where an environment shows, honestly or not.
 */
export interface RunPaths {
  workspace: string;
  home: string;
  session: string;
}

const RULES: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b(msg|toolu|call|fc|resp|chatcmpl|req|srvtoolu)_[A-Za-z0-9]{8,}\b/g, '$1_<id>'],
  [/\b[0-9a-f]{16,}\b/gi, '<hex>'],
  [/(?<=[T ])\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?=\b|Z)/g, '<time>'],
  [/\b1[6-9]\d{8}(\d{3})?\b/g, '<epoch>'],
  [/\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b/g, '<token>'],
  [/\bglassbox-[A-Za-z0-9]{6}\b/g, 'glassbox-<tmp>'],
];

export function mask(text: string, paths: RunPaths): string {
  let out = text;
  for (const [value, label] of [
    [paths.workspace, '<workspace>'],
    [paths.home, '<home>'],
    [paths.session, '<session>'],
  ] as const) {
    if (value) out = out.split(value).join(label);
  }
  for (const [re, label] of RULES) out = out.replace(re, label);
  return out;
}
