// pusher-js 8.6.0 against an unknown app key: the server closes with 4001 and the client gives up.
import { client, until, main } from './common.mjs';

main(async () => {
  const p = client({ key: 'no-such-key' });
  const errors = [], states = [];
  p.connection.bind('error', e => errors.push({ type: e?.type ?? null, code: e?.error?.data?.code ?? e?.data?.code ?? null }));
  p.connection.bind('state_change', s => states.push(s.current));
  await until(() => errors.some(e => e.code === 4001), 'error 4001');
  await until(() => ['failed', 'disconnected', 'unavailable'].includes(p.connection.state), 'given up');
  const result = { errors, states, final: p.connection.state };
  p.disconnect();
  return result;
});
