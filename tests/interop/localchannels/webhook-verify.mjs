// Validates webhooks the local server delivered (captured by the C# test) with the npm library's webhook().
import { readFileSync } from 'node:fs';
import { env, server, main } from './common.mjs';

main(async () => {
  const pusher = server();
  const captured = JSON.parse(readFileSync(process.env.LC_WEBHOOKS_FILE, 'utf8'));
  return captured.map(w => {
    const headers = { 'x-pusher-key': w.key, 'x-pusher-signature': w.signature, 'content-type': w.contentType };
    const hook = pusher.webhook({ headers, rawBody: w.body });
    const valid = hook.isValid();
    const tampered = pusher.webhook({ headers, rawBody: w.body.replace('"events"', ' "events"') }).isValid();
    const wrongKey = pusher.webhook({ headers: { ...headers, 'x-pusher-key': 'other' }, rawBody: w.body }).isValid();
    return {
      valid,
      tampered,
      wrongKey,
      time: valid ? hook.getTime().getTime() : null,
      events: valid ? hook.getEvents() : null,
    };
  });
});
