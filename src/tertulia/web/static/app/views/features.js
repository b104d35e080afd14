// The features that plug into the frame (panes, message parts and actions, composer addons,
// top-bar slots): importing a module registers it.
import "./threads.js";
import "./reactions.js";
import "./pins.js";
import "./files.js";
import "./search.js";
import "./switcher.js";
import "./autocomplete.js";
import "./inbox.js";
import "./channels-admin.js";
