// Compose page: channel picker with search, announcement template, JSON payload checked as you type,
// preview, and sending through POST /realtime/trigger (one request per as many channels as the server allows in a trigger; encrypted channels alone).
(() => {
    'use strict';

    const form = document.getElementById('compose');
    if (!form) return;

    // The server's limits (ChannelsClient, ChannelName), rendered on the form by Compose/Index.cshtml.
    const MAX_DATA_BYTES = Number(form.dataset.maxDataBytes);
    const MAX_CHANNELS_PER_TRIGGER = Number(form.dataset.maxChannelsPerTrigger);
    const MAX_CHANNEL_LENGTH = Number(form.dataset.maxChannelLength);
    const channelPattern = new RegExp(`^[-a-zA-Z0-9_=@,.;]{1,${MAX_CHANNEL_LENGTH}}$`);

    const $ = (id) => document.getElementById(id);
    const token = form.querySelector('input[name=__RequestVerificationToken]').value;
    const list = $('channel-list');
    const search = $('channel-search');
    const template = $('template');
    const eventName = $('event-name');
    const payload = $('payload');
    const title = $('ann-title');
    const body = $('ann-body');
    const level = $('ann-level');
    const result = $('send-result');
    const sendButton = $('send');
    const encoder = new TextEncoder();

    const checkboxes = () => Array.from(list.querySelectorAll('input[type=checkbox]'));
    const selectedChannels = () => checkboxes().filter((c) => c.checked).map((c) => c.value);

    // --- simple or advanced ----------------------------------------------------------------------------------
    // Simple (the default): classes and people, an announcement. Advanced: Pusher's channel names and kinds, the
    // event name and raw JSON. Leaving Advanced drops what only it could pick, so nothing hidden gets sent.
    const pageRoot = $('compose-page');
    const advanced = $('advanced');
    advanced.addEventListener('change', () => {
        pageRoot.classList.toggle('compose-simple', !advanced.checked);
        if (!advanced.checked) {
            for (const box of checkboxes()) if (box.dataset.advanced || box.id.startsWith('ch-custom-')) box.checked = false;
            if (template.value !== 'announcement') {
                template.value = 'announcement';
                template.dispatchEvent(new Event('change'));
            }
            eventName.value = 'announcement';
        }
        update();
    });

    // --- channels -------------------------------------------------------------------------------------------
    search.addEventListener('input', () => {
        const q = search.value.trim().toLowerCase();
        for (const row of list.querySelectorAll('.channel-choice')) {
            row.hidden = q !== '' && !row.dataset.search.includes(q);
        }
        for (const group of list.querySelectorAll('fieldset')) {
            group.hidden = Array.from(group.querySelectorAll('.channel-choice')).every((r) => r.hidden);
        }
    });

    const addButton = $('add-channel');
    if (addButton) {
        addButton.addEventListener('click', () => {
            const input = $('custom-channel');
            const name = input.value.trim();
            const error = $('channels-error');
            if (!channelPattern.test(name)) {
                error.textContent = `Channel names use letters, digits and - _ = @ , . ; (at most ${MAX_CHANNEL_LENGTH} characters).`;
                return;
            }
            error.textContent = '';
            let box = checkboxes().find((c) => c.value === name);
            if (!box) {
                let group = list.querySelector('fieldset[data-group=Other]');
                if (!group) {
                    group = document.createElement('fieldset');
                    group.className = 'mb-2';
                    group.dataset.group = 'Other';
                    const legend = document.createElement('legend');
                    legend.className = 'fs-6 fw-semibold mb-1 float-none';
                    legend.textContent = 'Other';
                    group.append(legend);
                    list.append(group);
                }
                const row = document.createElement('div');
                row.className = 'form-check channel-choice';
                row.dataset.search = name.toLowerCase();
                box = document.createElement('input');
                box.type = 'checkbox';
                box.className = 'form-check-input';
                box.value = name;
                box.id = 'ch-custom-' + name;
                const label = document.createElement('label');
                label.className = 'form-check-label';
                label.htmlFor = box.id;
                const code = document.createElement('code');
                code.textContent = name;
                label.append(code);
                row.append(box, label);
                group.append(row);
            }
            box.checked = true;
            input.value = '';
            update();
        });
    }

    // --- payload --------------------------------------------------------------------------------------------
    const announcement = () => ({ title: title.value, body: body.value, level: level.value });

    const fromTemplate = () => {
        if (template.value === 'announcement') {
            payload.value = JSON.stringify(announcement(), null, 2);
        }
    };

    template.addEventListener('change', () => {
        const isAnnouncement = template.value === 'announcement';
        $('announcement-fields').hidden = !isAnnouncement;
        payload.readOnly = isAnnouncement;
        if (isAnnouncement) {
            eventName.value = 'announcement';
            fromTemplate();
        }
        update();
    });
    for (const input of [title, body, level]) {
        input.addEventListener('input', () => {
            fromTemplate();
            update();
        });
    }
    for (const input of [payload, eventName]) input.addEventListener('input', update);
    list.addEventListener('change', update);

    /** What will be sent as Pusher's data string (compact JSON), or an error. */
    function parsePayload() {
        const text = payload.value.trim();
        if (text === '') return { error: 'The payload is empty.' };
        try {
            const value = JSON.parse(text);
            const data = JSON.stringify(value);
            return { value, data, bytes: encoder.encode(data).length };
        } catch (e) {
            return { error: 'Not valid JSON: ' + e.message };
        }
    }

    /** Requests the send will make: encrypted channels on their own, the rest in groups of MAX_CHANNELS_PER_TRIGGER. */
    function plan(channels) {
        const encrypted = channels.filter((c) => c.startsWith('private-encrypted-'));
        const others = channels.filter((c) => !c.startsWith('private-encrypted-'));
        const groups = encrypted.map((c) => [c]);
        for (let i = 0; i < others.length; i += MAX_CHANNELS_PER_TRIGGER) groups.push(others.slice(i, i + MAX_CHANNELS_PER_TRIGGER));
        return groups;
    }

    const untitledHint = () => (template.value === 'announcement' && title.value.trim() === '' ? 'Give the announcement a title.' : null);

    function update() {
        const channels = selectedChannels();
        $('selected-count').textContent = `${channels.length} selected`;

        const parsed = parsePayload();
        const validity = $('payload-validity');
        const bytes = $('payload-bytes');
        if (parsed.error) {
            validity.textContent = parsed.error;
            validity.className = 'text-danger';
            bytes.textContent = '';
        } else {
            validity.textContent = 'Valid JSON';
            validity.className = 'text-success';
            bytes.textContent = `${parsed.bytes} / ${MAX_DATA_BYTES} bytes`;
            bytes.className = parsed.bytes > MAX_DATA_BYTES ? 'text-danger fw-semibold' : 'text-body-secondary';
        }

        const preview = $('preview');
        preview.replaceChildren();
        if (!parsed.error && parsed.value && typeof parsed.value === 'object' && ('title' in parsed.value || 'body' in parsed.value)) {
            const v = parsed.value;
            const alert = document.createElement('div');
            alert.className = 'alert mb-2 ' + ({ warning: 'alert-warning', urgent: 'alert-danger' }[v.level] ?? 'alert-info');
            const heading = document.createElement('strong');
            heading.textContent = v.title ?? '';
            const text = document.createElement('div');
            text.style.whiteSpace = 'pre-wrap';
            text.textContent = v.body ?? '';
            alert.append(heading, text);
            preview.append(alert);
        } else if (!parsed.error) {
            const pre = document.createElement('pre');
            pre.className = 'mb-2';
            pre.textContent = parsed.data;
            preview.append(pre);
        }
        const groups = plan(channels);
        $('preview-plan').textContent = channels.length === 0
            ? 'Pick at least one channel.'
            : untitledHint() ??
                `Event "${eventName.value}" to ${channels.length} channel(s) in ${groups.length} request(s).`;

        const untitled = template.value === 'announcement' && title.value.trim() === '';
        sendButton.disabled = channels.length === 0 || untitled || !!parsed.error || parsed.bytes > MAX_DATA_BYTES || eventName.value.trim() === '';
    }

    // --- sending --------------------------------------------------------------------------------------------
    function clearFieldErrors() {
        for (const el of form.querySelectorAll('[data-field]')) el.textContent = '';
    }

    function showFieldErrors(errors) {
        for (const [field, messages] of Object.entries(errors ?? {})) {
            const key = field.startsWith('channel') ? 'channels' : field;
            const el = form.querySelector(`[data-field="${key}"]`);
            if (el) el.textContent = [el.textContent, ...messages].filter(Boolean).join(' ');
        }
    }

    function say(kind, lines) {
        const div = document.createElement('div');
        div.className = `alert alert-${kind} mb-0`;
        for (const line of lines) {
            const p = document.createElement('div');
            p.textContent = line;
            div.append(p);
        }
        result.replaceChildren(div);
    }

    async function refreshHistory() {
        const holder = $('history');
        const response = await fetch(holder.dataset.historyUrl, { headers: { Accept: 'text/html' } });
        if (response.ok) holder.innerHTML = await response.text();
    }

    /** The classes the selected class channels reach, by name. */
    function selectedClasses() {
        const names = new Map();
        for (const box of checkboxes().filter((c) => c.checked && c.dataset.classId)) {
            names.set(box.dataset.classId, box.dataset.label.replace(/^Everyone in /, '').replace(/ \((presence|encrypted)\)$/, ''));
        }
        return [...names.values()];
    }

    /** Asks, in the page, before one send reaches several classes; resolves true to go ahead. */
    function confirmClasses(classes) {
        return new Promise((resolve) => {
            const div = document.createElement('div');
            div.className = 'alert alert-warning mb-0';
            div.dataset.testid = 'confirm-classes';
            const text = document.createElement('div');
            text.textContent = `This goes to ${classes.length} classes: ${classes.join(', ')}.`;
            const yes = document.createElement('button');
            yes.type = 'button';
            yes.className = 'btn btn-sm btn-warning me-2 mt-2';
            yes.textContent = `Send to ${classes.length} classes`;
            const no = document.createElement('button');
            no.type = 'button';
            no.className = 'btn btn-sm btn-outline-secondary mt-2';
            no.textContent = 'Cancel';
            yes.addEventListener('click', () => { result.replaceChildren(); resolve(true); });
            no.addEventListener('click', () => { result.replaceChildren(); resolve(false); });
            div.append(text, yes, no);
            result.replaceChildren(div);
            yes.focus();
        });
    }

    /** After a successful send: nothing left selected or typed that a second click could send again. */
    function clearForm() {
        for (const box of checkboxes()) box.checked = false;
        title.value = '';
        body.value = '';
        level.value = 'info';
        search.value = '';
        search.dispatchEvent(new Event('input'));
        fromTemplate();
    }

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors();
        const parsed = parsePayload();
        const channels = selectedChannels();
        if (parsed.error || channels.length === 0) return update();
        const classes = selectedClasses();
        if (classes.length > 1 && !(await confirmClasses(classes))) return update();

        sendButton.disabled = true;
        result.replaceChildren();
        const sent = [];
        const failures = [];
        for (const group of plan(channels)) {
            try {
                const response = await fetch('/realtime/trigger', {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json', RequestVerificationToken: token, Accept: 'application/json' },
                    credentials: 'same-origin',
                    body: JSON.stringify({ channels: group, event: eventName.value.trim(), data: parsed.data }),
                });
                const answer = await response.json().catch(() => ({}));
                if (response.ok) {
                    sent.push(...group);
                } else {
                    showFieldErrors(answer.errors);
                    const detail = answer.detail ?? Object.values(answer.errors ?? {}).flat().join(' ');
                    failures.push(`${group.length === 1 ? group[0] : group.length + ' channels'}: ${answer.title ?? response.status}${detail ? ' — ' + detail : ''}`);
                }
            } catch (err) {
                failures.push(`${group.join(', ')}: the console could not be reached (${err.message}).`);
            }
        }
        if (failures.length === 0) {
            say('success', [`Sent "${eventName.value.trim()}" to ${sent.length} channel(s).`]);
            clearForm();
        } else {
            say(sent.length > 0 ? 'warning' : 'danger', [
                ...(sent.length > 0 ? [`Sent to ${sent.length} channel(s), but:`] : []),
                ...failures,
            ]);
        }
        await refreshHistory();
        update();
        result.focus();
    });

    fromTemplate();
    payload.readOnly = template.value === 'announcement';
    update();
})();
