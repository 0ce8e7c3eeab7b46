// Dashboard figures, replaced whenever the server sends StatsChanged (after webhooks are stored).
(function () {
    'use strict';
    consoleLive.on('StatsChanged', stats => {
        for (const key of ['occupiedChannels', 'knownChannels', 'presenceMembersOnline', 'webhookEventsToday']) {
            const el = document.querySelector(`[data-figure="${key}"]`);
            if (el) el.textContent = String(stats[key]);
        }
        const last = document.querySelector('[data-figure="lastWebhookMs"]');
        if (last && stats.lastWebhookMs) {
            last.replaceChildren(consoleLive.timeElement(stats.lastWebhookMs));
            document.querySelector('[data-empty-state]')?.classList.add('d-none');
        }
    });
})();
