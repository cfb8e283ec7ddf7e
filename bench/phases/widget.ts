import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { summarize } from '../lib/stats.js';
import type { BenchContext } from './context.js';

/** A page on another origin than the API embedding the widget with its one tag. */
async function hostPage(appUrl: string, chatbotId: string) {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>host</title></head>
<body><h1>A customer's site</h1><script src="${appUrl}/widget.js" data-chatbot-id="${chatbotId}" async></script></body></html>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface Marks {
  enter: number;
  painted: number;
  sent: number;
  accepted: number;
}

/** The bytes of a response body as they come over the wire (no decoding). */
function download(url: string, encoding: string) {
  return new Promise<{ bytes: number; encoding?: string }>((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }));
    }).on('error', reject);
  });
}

/**
 * In the page (plain script: this file has no DOM types): when Enter went down in the textbox, and
 * the frame after a reply's first streamed text showed.
 */
const INSTRUMENT = `(() => {
  const root = document.querySelector('chatflow-widget').shadowRoot;
  const log = root.querySelector('.log');
  const marks = (window.marks = { enter: 0, painted: 0, sent: 0, accepted: 0 });
  root.querySelector('textarea').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) Object.assign(marks, { enter: performance.timeOrigin + performance.now(), painted: 0, sent: 0, accepted: 0 });
  }, { capture: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.name.endsWith('/messages/send') || entry.initiatorType !== 'fetch') continue;
      marks.sent = performance.timeOrigin + entry.startTime;
      marks.accepted = performance.timeOrigin + entry.responseEnd;
    }
  }).observe({ type: 'resource' });
  new MutationObserver(() => {
    if (!marks.enter || marks.painted) return;
    if (log.querySelector('.row.assistant.draft .bubble')?.textContent)
      requestAnimationFrame(() => (marks.painted ||= performance.timeOrigin + performance.now()));
  }).observe(log, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;

/** Before the page's scripts: the first frame (page clock, from the navigation's start) showing the launcher. */
const WATCH_LAUNCHER = `(() => {
  const look = () => {
    if (document.querySelector('chatflow-widget')?.shadowRoot?.querySelector('.launcher')) window.shownAt = performance.now();
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})()`;

/**
 * The widget as a visitor meets it, in Debian's chromium: `/widget.js` gzipped, a page of another
 * origin loading → the launcher on screen (a fresh browser profile each time: no cache), and Enter →
 * the first streamed text painted (the model waits `firstTokenMs`, then streams 20 tokens 5 ms apart).
 */
export async function widgetPhase(ctx: BenchContext, loads = 10, turns = 20, firstTokenMs = 100) {
  const plain = await download(`${ctx.app.url}/widget.js`, 'identity');
  const gzipped = await download(`${ctx.app.url}/widget.js`, 'gzip');
  const host = await hostPage(ctx.app.url, ctx.chatbotId);
  const patched = await ctx.api('PATCH', `/chatbots/${ctx.chatbotId}`, {
    body: { widget: { allowedOrigins: [host.url], anonymous: true } },
  });
  if (patched.status !== 200) throw new Error(`PATCH widget: ${patched.status} ${JSON.stringify(patched.body)}`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const loaded: number[] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript({ content: WATCH_LAUNCHER });
      await page.goto(host.url);
      await page.getByRole('button', { name: 'Open chat' }).waitFor();
      loaded.push(Number(await (await page.waitForFunction('window.shownAt')).jsonValue()));
      await context.close();
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const textbox = page.getByRole('textbox', { name: 'Message' });
    await page.evaluate(INSTRUMENT);
    const firstPaint: number[] = [];
    const llmTtft: number[] = [];
    const beforeLlm: number[] = [];
    const enterToSend: number[] = [];
    const sendToAccepted: number[] = [];
    const afterLlm: number[] = [];
    for (let i = 0; i <= turns; i++) {
      ctx.llm.script({
        kind: 'reply',
        text: Array.from({ length: 20 }, (_, t) => `token${t}`).join(' '),
        firstTokenDelayMs: firstTokenMs,
        chunkDelayMs: 5,
      });
      const before = ctx.llm.requests.length;
      await textbox.fill(`widget turn ${i}`);
      await textbox.press('Enter');
      // The whole reply shown (the final message replaced its draft) before the next turn.
      await page.locator('chatflow-widget .row.assistant.message').nth(i).waitFor();
      const marks = await page.evaluate<Marks>('window.marks');
      const request = ctx.llm.requests[before];
      if (i === 0) continue; // the first turn also opens the conversation and its socket room
      firstPaint.push(marks.painted - marks.enter);
      llmTtft.push(request.firstTokenAt! - request.receivedAt);
      // Same machine, same clock: the page's marks and the fake model's are both wall-clock ms.
      beforeLlm.push(request.receivedAt - marks.enter);
      enterToSend.push(marks.sent - marks.enter);
      sendToAccepted.push(marks.accepted - marks.sent);
      afterLlm.push(marks.painted - request.firstTokenAt!);
    }
    await context.close();
    return {
      scriptBytes: plain.bytes,
      /** As the server sends it to a browser (Content-Encoding: gzip), on the wire. */
      scriptGzipBytes: gzipped.encoding === 'gzip' ? gzipped.bytes : null,
      pageLoadToLauncher: summarize(loaded),
      enterToFirstDeltaPainted: summarize(firstPaint),
      llmTimeToFirstToken: summarize(llmTtft),
      /** Enter → the widget's POST /messages/send left, and that request → its 202 read. */
      enterToSend: summarize(enterToSend),
      sendToAccepted: summarize(sendToAccepted),
      /** Enter → the model asked (the send, the flow's start, routing, the prompt). */
      enterToLlmRequest: summarize(beforeLlm),
      /** The model's first token → painted (the activity, Socket.IO, the widget's render). */
      firstTokenToPainted: summarize(afterLlm),
    };
  } finally {
    await browser.close();
    await host.close();
  }
}
