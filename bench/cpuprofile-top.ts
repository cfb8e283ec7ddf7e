/** Top self-time functions of a .cpuprofile: `node --import tsx bench/cpuprofile-top.ts FILE [N]`. */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}
const profile = JSON.parse(readFileSync(process.argv[2], 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const self = new Map<string, number>();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
profile.samples.forEach((id, i) => {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/main\//, '') || '(native)';
  const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byPackage = new Map<string, number>();
for (const [key, ms] of self) {
  const pkg = /\s(@?[^/\s]+(?:\/[^/\s]+)?)\//.exec(key)?.[1] ?? key.split('  ')[0];
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
}
console.log(`total ${total.toFixed(0)} ms sampled`);
for (const [key, ms] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 15))) {
  console.log(`${((ms / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
