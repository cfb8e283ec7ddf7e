import type { FakeLlm } from '../../test/support/fake-llm.js';
import type { BenchApp } from '../lib/app.js';
import type { Api } from '../lib/client.js';

export interface BenchContext {
  app: BenchApp;
  api: Api;
  token: string;
  chatbotId: string;
  llm: FakeLlm;
  log(message: string): void;
}

/** A fresh end user for each case, so conversations of different cases never meet. */
export const user = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;
