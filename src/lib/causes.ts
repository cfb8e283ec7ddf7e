/** True when the error or one of its first few causes (`.cause`) matches. */
export function anyCause(err: unknown, matches: (error: unknown) => boolean): boolean {
  for (let current = err, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (matches(current)) return true;
  }
  return false;
}
