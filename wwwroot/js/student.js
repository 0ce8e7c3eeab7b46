// The student's page: pusher-js subscribed to the channels /pusher/auth lets this student join (public, their own
// private-user channel and, per class, private-class, presence-class and private-encrypted-class), showing
// announcements as they arrive and who else is online in each class. Settings come from the server
// (#pusher-settings: the public key and where to connect; #student-channels: which channels).
(function () {
    'use strict';

    const MAX_SHOWN = 100;
    const settingsElement = document.getElementById('pusher-settings');
    const channelsElement = document.getElementById('student-channels');
    const stateBadge = document.querySelector('[data-connection-state]');
    if (!channelsElement || !stateBadge) return;
    const mine = JSON.parse(channelsElement.textContent);

    const stateText = {
        initialized: ['connecting…', 'text-bg-secondary'],
        connecting: ['connecting…', 'text-bg-secondary'],
        connected: ['live', 'text-bg-success'],
        unavailable: ['offline, retrying', 'text-bg-warning'],
        failed: ['not supported by this browser', 'text-bg-danger'],
        disconnected: ['disconnected', 'text-bg-danger'],
    };

    function showState(state) {
        const [text, css] = stateText[state] || [state, 'text-bg-secondary'];
        stateBadge.textContent = text;
        stateBadge.className = 'badge align-middle ' + css;
        stateBadge.dataset.connectionState = state;
    }

    if (!settingsElement || typeof Pusher === 'undefined') {
        showState('disconnected');
        stateBadge.textContent = 'unavailable';
        return;
    }
    const settings = JSON.parse(settingsElement.textContent);
    const pusher = new Pusher(settings.key, settings.options);
    pusher.connection.bind('state_change', (s) => showState(s.current));
    showState(pusher.connection.state);

    // --- announcements --------------------------------------------------------------------------------------
    const list = document.getElementById('announcements');
    const empty = document.querySelector('[data-empty]');
    const levels = {
        info: ['Info', 'border-info', 'text-bg-info'],
        warning: ['Warning', 'border-warning', 'text-bg-warning'],
        urgent: ['Urgent', 'border-danger', 'text-bg-danger'],
    };

    // A send stored in the last minute may be on the page already (rendered by the server) and arrive live as
    // well: show it once. Matched on event and exact data; each stored one absorbs one live arrival.
    function alreadyShown(eventName, data) {
        const raw = typeof data === 'string' ? data : JSON.stringify(data);
        for (const item of list.querySelectorAll('[data-recent]')) {
            if (item.dataset.event === eventName && item.dataset.recent === raw) {
                delete item.dataset.recent;
                return true;
            }
        }
        return false;
    }

    function show(source, eventName, data, encrypted) {
        if (alreadyShown(eventName, data)) return;
        const announcement = eventName === 'announcement' && data && typeof data === 'object';
        const [levelText, border, badgeCss] = (announcement && levels[data.level]) || levels.info;

        const item = document.createElement('article');
        item.className = 'border border-2 rounded p-2 bg-white ' + border;
        item.dataset.testid = 'announcement';
        item.dataset.source = source.channel;
        item.dataset.event = eventName;
        if (announcement) item.dataset.level = data.level || 'info';

        const head = document.createElement('div');
        head.className = 'd-flex justify-content-between align-items-start gap-2';
        const title = document.createElement('strong');
        title.dataset.field = 'title';
        title.textContent = announcement ? (data.title || '(no title)') : eventName;
        const badges = document.createElement('span');
        badges.className = 'd-flex gap-1 flex-shrink-0';
        const level = document.createElement('span');
        level.className = 'badge ' + (announcement ? badgeCss : 'text-bg-secondary');
        level.textContent = announcement ? levelText : 'Message';
        badges.append(level);
        if (encrypted) {
            const lock = document.createElement('span');
            lock.className = 'badge text-bg-dark';
            lock.dataset.field = 'encrypted';
            lock.title = 'Sent end-to-end encrypted: only members of the class could read it.';
            lock.textContent = 'encrypted';
            badges.append(lock);
        }
        head.append(title, badges);

        const body = document.createElement(announcement ? 'p' : 'pre');
        body.className = announcement ? 'mb-1 text-pre-wrap' : 'mb-1 small text-pre-wrap';
        body.dataset.field = 'body';
        body.textContent = announcement ? (data.body || '') : (typeof data === 'string' ? data : JSON.stringify(data, null, 2));

        const meta = document.createElement('div');
        meta.className = 'small text-body-secondary';
        const when = window.schoolTime.element(Date.now());
        meta.append(source.label + ' · ', when);

        item.append(head, body, meta);
        list.prepend(item);
        while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
        empty.hidden = true;
    }

    function listen(channel, source, encrypted) {
        channel.bind_global((eventName, data) => {
            if (eventName.startsWith('pusher:') || eventName.startsWith('pusher_internal:')) return;
            // Client events come from other browsers, not from a teacher: shown apart (peerMessage), never as announcements.
            if (eventName.startsWith('client-')) return;
            show(source, eventName, data, encrypted);
        });
    }

    // --- client events ----------------------------------------------------------------------------------------
    // Only reach this page when an operator has turned client events on. The raw message carries the sender's
    // user id on presence channels (the protocol gives none on private ones), which bind_global does not pass on.
    const peerCard = document.querySelector('[data-testid=peer-messages-card]');
    const peerList = document.getElementById('peer-messages');
    const labels = new Map([[mine.publicChannel, 'Whole school'], [mine.userChannel, 'Just you']]);
    for (const cls of mine.classes) {
        for (const name of [cls.privateChannel, cls.presenceChannel]) labels.set(name, cls.name);
    }

    function peerMessage(message) {
        if (!peerList || !message || typeof message.event !== 'string' || !message.event.startsWith('client-')) return;
        let sender = 'unknown sender';
        if (message.user_id) {
            const presence = mine.classes.find((c) => c.presenceChannel === message.channel);
            const member = presence && pusher.channel(presence.presenceChannel) && pusher.channel(presence.presenceChannel).members.get(message.user_id);
            sender = (member && member.info && member.info.name) || message.user_id;
        }
        const item = document.createElement('article');
        item.className = 'border rounded p-2 bg-light';
        item.dataset.testid = 'peer-message';
        item.dataset.source = message.channel || '';
        item.dataset.event = message.event;
        const head = document.createElement('div');
        head.className = 'small';
        const who = document.createElement('strong');
        who.dataset.field = 'sender';
        who.textContent = sender;
        head.append(who, ` · ${labels.get(message.channel) || message.channel} · `);
        const name = document.createElement('code');
        name.textContent = message.event;
        head.append(name);
        const body = document.createElement('pre');
        body.className = 'mb-0 small text-pre-wrap';
        body.dataset.field = 'body';
        body.textContent = typeof message.data === 'string' ? message.data : JSON.stringify(message.data, null, 2);
        item.append(head, body);
        peerList.prepend(item);
        while (peerList.children.length > MAX_SHOWN) peerList.lastElementChild.remove();
        peerCard.hidden = false;
    }
    pusher.connection.bind('message', peerMessage);

    // Per class, the channels that could not be joined and why; the card shows them until each is joined.
    const failures = new Map();

    function renderClassError(cls) {
        const el = document.querySelector(`[data-class-id="${cls.id}"] [data-class-error]`);
        if (!el) return;
        const failed = failures.get(cls.id) || new Map();
        el.hidden = failed.size === 0;
        el.textContent = [...failed.values()].join(' ');
    }

    function clearClassError(cls, channelName) {
        const failed = failures.get(cls.id);
        if (failed && failed.delete(channelName)) renderClassError(cls);
    }

    function classError(cls, channelName, error) {
        const status = error && error.status ? ` (${error.status})` : '';
        if (!failures.has(cls.id)) failures.set(cls.id, new Map());
        failures.get(cls.id).set(channelName, `Could not join ${channelName}${status}. Announcements to it will not reach you until it is joined again (automatically when the connection recovers, or reload).`);
        renderClassError(cls);
    }

    // --- presence -------------------------------------------------------------------------------------------
    function renderMembers(cls, channel) {
        const card = document.querySelector(`[data-class-id="${cls.id}"]`);
        if (!card) return;
        const ul = card.querySelector('[data-online]');
        const people = [];
        channel.members.each((m) => people.push(m));
        people.sort((a, b) => ((a.info && a.info.name) || a.id).localeCompare((b.info && b.info.name) || b.id));
        ul.replaceChildren(...people.map((m) => {
            const li = document.createElement('li');
            li.dataset.userId = m.id;
            const name = document.createElement('span');
            name.textContent = (m.info && m.info.name) || m.id;
            li.append(name);
            if (m.info && m.info.role) {
                const role = document.createElement('span');
                role.className = 'badge text-bg-light ms-1';
                role.textContent = m.info.role;
                li.append(role);
            }
            if (m.id === channel.members.myID) {
                const you = document.createElement('span');
                you.className = 'text-body-secondary ms-1';
                you.textContent = '(you)';
                li.append(you);
            }
            return li;
        }));
        card.querySelector('[data-online-count]').textContent = String(people.length);
    }

    // --- subscriptions --------------------------------------------------------------------------------------
    listen(pusher.subscribe(mine.publicChannel), { channel: mine.publicChannel, label: 'Whole school' }, false);
    listen(pusher.subscribe(mine.userChannel), { channel: mine.userChannel, label: 'Just you' }, false);

    for (const cls of mine.classes) {
        const priv = pusher.subscribe(cls.privateChannel);
        listen(priv, { channel: cls.privateChannel, label: cls.name }, false);
        priv.bind('pusher:subscription_error', (e) => classError(cls, cls.privateChannel, e));
        // pusher-js resubscribes by itself after a reconnect: once it succeeds, the earlier error no longer holds.
        priv.bind('pusher:subscription_succeeded', () => clearClassError(cls, cls.privateChannel));

        const presence = pusher.subscribe(cls.presenceChannel);
        listen(presence, { channel: cls.presenceChannel, label: cls.name }, false);
        presence.bind('pusher:subscription_succeeded', () => { clearClassError(cls, cls.presenceChannel); renderMembers(cls, presence); });
        presence.bind('pusher:member_added', () => renderMembers(cls, presence));
        presence.bind('pusher:member_removed', () => renderMembers(cls, presence));
        presence.bind('pusher:subscription_error', (e) => classError(cls, cls.presenceChannel, e));

        if (cls.encryptedChannel) {
            const encrypted = pusher.subscribe(cls.encryptedChannel);
            listen(encrypted, { channel: cls.encryptedChannel, label: cls.name }, true);
            encrypted.bind('pusher:subscription_error', (e) => classError(cls, cls.encryptedChannel, e));
            encrypted.bind('pusher:subscription_succeeded', () => clearClassError(cls, cls.encryptedChannel));
        }
    }

    // Signed in, the student also gets events sent to them as a user (send-to-user), and an admin can end their
    // connections (terminate) — both keyed by user id, not by a channel.
    pusher.signin();
    pusher.user.bind_global((eventName, data) => {
        if (eventName.startsWith('pusher:') || eventName.startsWith('pusher_internal:')) return;
        show({ channel: '#server-to-user-' + mine.userId, label: 'Just you' }, eventName, data, false);
    });
})();
