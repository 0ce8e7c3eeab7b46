// Presence page: each channel card follows PresenceChanged. The server only sends a teacher the classes they
// teach; the page also ignores channels it does not show.
(function () {
    'use strict';

    consoleLive.on('PresenceChanged', changes => {
        for (const m of changes) {
            const card = [...document.querySelectorAll('[data-presence-channel]')].find(c => c.dataset.presenceChannel === m.channel);
            if (!card) continue;
            const list = card.querySelector('[data-members]');
            [...list.children].find(li => li.dataset.userId === m.userId)?.remove();
            if (m.present) list.append(consoleLive.memberItem(m));
            card.querySelector('[data-count]').textContent = String(list.children.length);
            card.querySelector('[data-nobody]').classList.toggle('d-none', list.children.length > 0);
        }
    });
})();
