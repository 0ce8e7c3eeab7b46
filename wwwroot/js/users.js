// Users pages: the Copy button beside a password shown once. A file, not inline script: the CSP forbids inline.
(function () {
    'use strict';

    async function copy(text) {
        if (navigator.clipboard && window.isSecureContext) {
            await navigator.clipboard.writeText(text);
            return;
        }
        // Plain http on a school network is not a secure context: the Clipboard API is absent there.
        const area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.append(area);
        area.select();
        const ok = document.execCommand('copy');
        area.remove();
        if (!ok) throw new Error('copy refused');
    }

    for (const button of document.querySelectorAll('button[data-copy]')) {
        const source = document.querySelector(button.dataset.copy);
        const status = button.parentElement.querySelector('[data-copy-status]');
        if (!source) continue;
        button.addEventListener('click', async () => {
            try {
                await copy(source.textContent.trim());
                if (status) status.textContent = 'Copied.';
            } catch {
                if (status) status.textContent = 'Could not copy: select the password and copy it by hand.';
            }
        });
    }
})();
