// Staff pages: small progressive enhancements, no inline script (the CSP forbids it).
(function () {
  'use strict';

  // Idle timeout: the server ends a session after STAFF_IDLE_TIMEOUT seconds without a
  // request; a page left open that long reloads, so client data does not stay on screen.
  var timeout = Number(document.body.getAttribute('data-idle-timeout'));
  if (timeout > 0) {
    var timer;
    var arm = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.reload(); }, (timeout + 2) * 1000);
    };
    arm();
  }

  // The status form asks for a date and time only when the intake is being booked.
  Array.prototype.forEach.call(document.querySelectorAll('[data-status-form]'), function (form) {
    var select = form.querySelector('select[name="status"]');
    var booking = form.querySelectorAll('[data-booking]');
    var sync = function () {
      var booked = select.value === 'booked';
      Array.prototype.forEach.call(booking, function (row) {
        row.hidden = !booked;
        row.querySelector('input').required = booked;
      });
    };
    select.addEventListener('change', sync);
    sync();
  });
})();
