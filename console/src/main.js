// The privacy officer's console: entry point (index.html loads this module; it imports the rest).
import {App} from "./app.js";

const root = document.getElementById("app");
if (root) void new App(root).start();
