// The dashboard as the Teams personal tab: Teams vouches for its user (single sign-on), so the
// tab signs in without a link. Anywhere else, or when Teams gives no token, nothing changes: the
// page keeps asking for the link from the chat.
(function () {
  "use strict";
  var status = document.getElementById("teams-sign-in");
  var teams = window.microsoftTeams;
  // Outside Teams, initialize() fails at once in a window of its own, but may wait forever in a
  // frame of another site: give up after a while.
  var NOT_IN_TEAMS_AFTER_MS = 5000;
  var RETURNED = "teams-signed-in";

  function show(text) {
    status.textContent = text;
    status.hidden = false;
  }

  if (!status || !teams) {
    return; // the library is not there (not built): the link is the way in
  }
  if (new URLSearchParams(window.location.search).has(RETURNED)) {
    // Signed in a moment ago, yet no session came back: the browser keeps cookies from the tab.
    show("Teams signed you in, but this browser did not keep the sign-in. Allow cookies for this site, or use the link.");
    return;
  }
  var outsideTeams = new Promise(function (resolve, reject) {
    window.setTimeout(function () { reject(new Error("not in Teams")); }, NOT_IN_TEAMS_AFTER_MS);
  });
  Promise.race([teams.app.initialize(), outsideTeams])
    .then(function () {
      show("Signing you in with Microsoft Teams…");
      return teams.authentication.getAuthToken().then(function (token) {
        return window.fetch("/me/teams-sso", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token: token }),
          credentials: "same-origin",
        });
      }, function () {
        throw new Error("Teams gave no token");
      });
    })
    .then(function (response) {
      if (response.ok) {
        window.location.replace("/me?" + RETURNED);
        return null;
      }
      return response.json().then(function (answer) {
        show(answer.error || "Teams could not sign you in.");
      });
    })
    .catch(function () {
      if (!status.hidden) {
        show("Teams could not sign you in here.");
      }
    });
})();
