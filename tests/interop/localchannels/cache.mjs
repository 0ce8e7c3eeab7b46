// pusher-js 8.6.0: cache channels — pusher:cache_miss on an empty cache, the last event replayed on subscribe.
import { client, server, connected, subscribe, record, until, main } from './common.mjs';

main(async () => {
  const a = client(), b = client();
  await Promise.all([connected(a), connected(b)]);
  const missA = [];
  const chA = a.subscribe('cache-scores');
  chA.bind('pusher:cache_miss', () => missA.push('cache-scores'));
  await until(() => chA.subscribed && missA.length === 1, 'cache miss at A');
  const seenA = record(chA);

  const api = server();
  await api.trigger('cache-scores', 'score', { home: 2, away: 1 });
  await until(() => seenA.some(e => e.event === 'score'), 'score at A');
  const info = await (await api.get({ path: '/channels/cache-scores', params: { info: 'cache' } })).json();

  const missB = [];
  const chB = b.subscribe('cache-scores');
  chB.bind('pusher:cache_miss', () => missB.push('cache-scores'));
  const seenB = record(chB);
  await until(() => seenB.some(e => e.event === 'score'), 'cached score at B');

  const privB = b.subscribe('private-cache-empty');
  const missPriv = [];
  privB.bind('pusher:cache_miss', () => missPriv.push('private-cache-empty'));
  await until(() => missPriv.length === 1, 'cache miss on private cache channel');

  const result = { missA, missB, missPriv, seenA, seenB, info };
  a.disconnect(); b.disconnect();
  return result;
});
