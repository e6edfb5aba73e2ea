/** ANSI colour for people at a terminal; plain text into pipes, files and under NO_COLOR. */
export function paint(code: string, s: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[${code}m${s}\x1b[0m` : s;
}
