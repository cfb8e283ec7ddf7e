/** Stops the run's Temporal server and drops its database (set up by global-setup.ts). */
export default async function globalTeardown() {
  await globalThis.__chatflowTeardown?.();
}
