// pusher-js 8.6.0: watchlists — online/offline events about the users a signed-in user watches.
import { client, server, connected, subscribe, until, untilAsync, main } from './common.mjs';

async function signedIn(p) {
  await connected(p);
  p.signin();
  await p.user.signinDonePromise;
  return p;
}

function recordWatchlist(p) {
  const events = [];
  p.user.watchlist.bind('online', e => events.push({ name: e.name, user_ids: e.user_ids }));
  p.user.watchlist.bind('offline', e => events.push({ name: e.name, user_ids: e.user_ids }));
  return events;
}

main(async () => {
  const watcher = client({ userId: 'walt', watchlist: ['wendy', 'nobody'] });
  const seenByWatcher = recordWatchlist(watcher);
  await signedIn(watcher);

  // wendy with two connections: online once (first), offline once (last).
  const w1 = await signedIn(client({ userId: 'wendy' }));
  await until(() => seenByWatcher.length === 1, 'wendy online');
  const w2 = await signedIn(client({ userId: 'wendy' }));
  await subscribe(w1, 'wl-probe');
  await subscribe(w2, 'wl-probe');

  // A watcher signing in later learns who is already online.
  const late = client({ userId: 'lara', watchlist: ['wendy'] });
  const seenByLate = recordWatchlist(late);
  await signedIn(late);
  await until(() => seenByLate.length === 1, 'late watcher told wendy is online');

  w2.disconnect();
  // Once the server dropped w2's subscription it has handled w2's close; no offline may have been sent for it.
  const probe = () => server().get({ path: '/channels/wl-probe', params: { info: 'subscription_count' } }).then(r => r.json());
  await untilAsync(probe, r => r.subscription_count === 1, "w2's close handled");
  const afterOneLeft = seenByWatcher.length;
  w1.disconnect();
  await until(() => seenByWatcher.length === 2 && seenByLate.length === 2, 'wendy offline at both watchers');

  const result = { seenByWatcher, seenByLate, afterOneLeft };
  watcher.disconnect(); late.disconnect();
  return result;
});
