// The console's live connection (ConsoleHub at /hubs/console), shared by the pages that update in place.
// It shows its state in every [data-live-status] element and reconnects by itself, forever, with backoff:
// a console left open on a classroom screen must come back after a server restart or a network blip.
// A page that shows the live badge (Live/_LiveStatus.cshtml) mirrors server state: it connects on load and
// reloads on Resync. Any other page (the event log's Live switch) calls start()/stop() itself and follows
// the state through onState().
(function () {
    'use strict';

    const statusText = {
        connecting: ['connecting…', 'text-bg-secondary'],
        live: ['live', 'text-bg-success'],
        reconnecting: ['reconnecting…', 'text-bg-warning'],
        offline: ['offline, retrying', 'text-bg-danger'],
    };

    const stateListeners = [];

    function showStatus(state) {
        const [text, css] = statusText[state];
        document.querySelectorAll('[data-live-status]').forEach(el => {
            el.textContent = text;
            el.className = 'badge align-middle ' + css;
            el.dataset.state = state;
        });
        stateListeners.forEach(listener => listener(state, text));
    }

    // Times are written the one way the server writes them (wwwroot/js/time.js).
    function formatTimes(root) {
        (root || document).querySelectorAll('time[data-ms]').forEach(el => window.schoolTime.fill(el, Number(el.dataset.ms)));
    }

    function timeElement(ms, className) {
        return window.schoolTime.element(ms, className);
    }

    // A presence member as the Channels detail and Presence pages list them.
    function memberItem(m) {
        const li = document.createElement('li');
        li.className = 'list-group-item d-flex justify-content-between';
        li.dataset.userId = m.userId;
        const name = document.createElement('span');
        name.textContent = m.displayName || m.userId;
        const since = document.createElement('span');
        since.className = 'small text-body-secondary';
        since.append('since ', timeElement(m.sinceMs));
        li.append(name, ' ', since);
        return li;
    }

    const connection = new signalR.HubConnectionBuilder()
        .withUrl('/hubs/console')
        .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(30000, 500 * 2 ** Math.min(ctx.previousRetryCount, 6)) })
        .build();

    // Whether the page wants the connection: a stop() must not be undone by a pending retry.
    let wanted = false;
    let mirrorsPage = false;

    connection.onreconnecting(() => showStatus('reconnecting'));
    connection.onreconnected(() => showStatus('live'));
    // Automatic reconnect never gives up with the policy above; this covers a failed first start or a close by the server.
    connection.onclose(() => {
        if (!wanted) return;
        showStatus('offline');
        setTimeout(connect, 5000);
    });

    // Too much changed at once for the server to describe: the page's data is simply read again.
    connection.on('Resync', () => { if (mirrorsPage) window.location.reload(); });
    // The pages render their state server-side, so they need nothing when the hub says the groups are joined.
    connection.on('Joined', () => {});

    async function connect() {
        if (!wanted || connection.state !== signalR.HubConnectionState.Disconnected) return;
        showStatus('connecting');
        try {
            await connection.start();
            showStatus('live');
        } catch {
            if (!wanted) return;
            showStatus('offline');
            setTimeout(connect, 5000);
        }
    }

    function start() {
        wanted = true;
        return connect();
    }

    function stop() {
        wanted = false;
        return connection.stop();
    }

    function onState(listener) {
        stateListeners.push(listener);
    }

    document.addEventListener('DOMContentLoaded', () => {
        formatTimes();
        mirrorsPage = document.querySelector('[data-live-status]') !== null;
        if (mirrorsPage) start();
    });

    window.consoleLive = { connection, on: (name, handler) => connection.on(name, handler), start, stop, onState, formatTimes, timeElement, memberItem };
})();
