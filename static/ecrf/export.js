// The export page: say that the export is being prepared while the download starts.
document.getElementById("export-form").addEventListener("submit", function (event) {
  var note = document.getElementById("export-preparing");
  var button = event.target.querySelector("[type=submit]");
  note.classList.remove("d-none");
  // the page stays while the file downloads; let the user start another export later
  setTimeout(function () { button.disabled = true; }, 0);
  setTimeout(function () { button.disabled = false; }, 10000);
});
