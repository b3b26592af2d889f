// Small progressive enhancements. Every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Bring keyboard and screen-reader users to the error summary of a failed form.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Ask before irreversible actions (buttons carrying data-confirm).
  document.body.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
});
