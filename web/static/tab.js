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

  // data-state says how far it got (for people reading the page's source, and for its tests).
  function settle(state, text) {
    status.dataset.state = state;
    if (text) {
      status.textContent = text;
      status.hidden = false;
    }
  }

  if (!status) {
    return;
  }
  if (!teams) {
    settle("no-library"); // the library was not built: the link is the way in
    return;
  }
  if (new URLSearchParams(window.location.search).has(RETURNED)) {
    // Signed in a moment ago, yet no session came back: the browser keeps cookies from the tab.
    settle("cookie-refused", "Teams signed you in, but this browser did not keep the sign-in. " +
      "Allow cookies for this site, or use a link from the chat.");
    return;
  }
  var outsideTeams = new Promise(function (resolve, reject) {
    window.setTimeout(function () { reject(new Error("not in Teams")); }, NOT_IN_TEAMS_AFTER_MS);
  });
  Promise.race([teams.app.initialize(), outsideTeams])
    .then(function () {
      settle("signing-in", "Signing you in with Microsoft Teams…");
      return teams.authentication.getAuthToken().then(function (token) {
        return window.fetch("/me/teams-sso", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token: token }),
          credentials: "same-origin",
        });
      }, function () {
        settle("no-token", "Teams could not sign you in here.");
        return null;
      });
    }, function () {
      settle("outside-teams");
      return null;
    })
    .then(function (response) {
      if (!response) {
        return null;
      }
      if (response.ok) {
        settle("signed-in");
        window.location.replace("/me?" + RETURNED);
        return null;
      }
      return response.json().then(function (answer) {
        settle("refused", answer.error || "Teams could not sign you in.");
      });
    })
    .catch(function () {
      settle("failed", "Teams could not sign you in here.");
    });
})();
