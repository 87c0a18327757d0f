// django-celery-beat's crontab hint on the periodic task form, as a file (the CSP runs no inline script).
'use strict';
{
    const $ = django.jQuery;
    const script = document.getElementById('periodic-task-overrides');
    const readableCrontabs = JSON.parse(document.getElementById('readable-crontabs').textContent);
    const originalHelp = script.dataset.crontabHelp || '';

    $('.field-crontab_translation').hide();
    $('.field-crontab').change(function () {
        const help = $('.field-crontab .help');
        const translation = readableCrontabs[$('#id_crontab').val()];
        help.text(originalHelp);
        if (translation) {
            help.append(document.createElement('br'), document.createTextNode('Translation: ' + translation));
        }
    });
}
