// pusher-js 8.6.0: sign-in and send-to-user, terminate connections, presence de-duplication by user_id.
import { client, server, connected, subscribe, record, recordErrors, until, untilAsync, main } from './common.mjs';

main(async () => {
  const api = server();

  // Sign-in, then a message to the user through #server-to-user-carol.
  const carol = client({ userId: 'carol' });
  const errorsCarol = recordErrors(carol);
  await connected(carol);
  carol.signin();
  await carol.user.signinDonePromise;
  await until(() => carol.user.serverToUserChannel?.subscribed, '#server-to-user subscription');
  const notices = [];
  carol.user.bind('notice', data => notices.push(data));
  await api.sendToUser('carol', 'notice', { text: 'for carol only' });
  await until(() => notices.length === 1, 'notice for carol');

  const terminated = await api.terminateUserConnections('carol');
  await until(() => errorsCarol.some(e => e.code != null), 'close code at carol');
  const carolState = carol.connection.state;

  // One user, two connections: the observer sees dave join once and leave once.
  const olivia = client({ userId: 'olivia' });
  const d1 = client({ userId: 'dave', name: 'Dave' });
  const d2 = client({ userId: 'dave', name: 'Dave' });
  await Promise.all([connected(olivia), connected(d1), connected(d2)]);
  const obs = await subscribe(olivia, 'presence-dedup');
  const added = [], removed = [];
  obs.channel.bind('pusher:member_added', m => added.push(m.id));
  obs.channel.bind('pusher:member_removed', m => removed.push(m.id));
  const marks = record(obs.channel);

  const sub1 = await subscribe(d1, 'presence-dedup');
  const sub2 = await subscribe(d2, 'presence-dedup');
  await api.trigger('presence-dedup', 'mark-1', {});
  await until(() => marks.some(e => e.event === 'mark-1'), 'mark-1');
  const addedAfterBoth = [...added];

  const connections = async () => (await (await api.get({ path: '/channels/presence-dedup', params: { info: 'subscription_count,user_count' } })).json());
  d2.disconnect();
  // The server has processed d2's close once only olivia's and d1's subscriptions remain.
  const state = await untilAsync(connections, s => s.subscription_count === 2, "d2's subscription gone");
  await api.trigger('presence-dedup', 'mark-2', {});
  await until(() => marks.some(e => e.event === 'mark-2'), 'mark-2');
  const removedAfterOne = [...removed];

  d1.disconnect();
  await until(() => removed.length === 1, 'dave removed');

  const result = {
    notices, terminatedStatus: terminated.status, errorsCarol, carolState,
    addedAfterBoth, removedAfterOne, removed,
    countSeenByD1: sub1.count, countSeenByD2: sub2.count, stateAfterOneLeft: state,
  };
  olivia.disconnect(); carol.disconnect();
  return result;
});
