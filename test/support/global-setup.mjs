// Jest loads global setup outside its ESM transform; tsx loads the TypeScript implementation.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { default: setup } = await tsImport('./global-setup.ts', import.meta.url);
  await setup();
}
