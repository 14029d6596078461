// The pages' behaviour, from a file rather than inline: the Content-Security-Policy
// runs no inline script or event handler without the answer's nonce.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing a year shows it at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // The dashboard's tracked items are collapsed; a link to #tracked opens them.
  var all = document.getElementById("tracked-all");
  if (all && location.hash === "#tracked") { all.open = true; }
  // The upload form refuses an oversized file before sending it (the server checks again).
  var form = document.getElementById("upload-form");
  var input = document.getElementById("file");
  if (form && input && input.dataset.limit) {
    form.addEventListener("submit", function (e) {
      var limit = +input.dataset.limit, f = input.files[0];
      if (f && f.size > limit) {
        e.preventDefault();
        var box = document.getElementById("size-error");
        box.textContent = "文件“" + f.name + "”大小为 " + (f.size / 1048576).toFixed(1) + " MB，超过 " +
          input.dataset.limitText + " 的上限，未上传。请删去无关的工作表或分批上传。";
        box.style.display = "block";
      }
    });
  }
})();
