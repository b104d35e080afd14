// Preact with htm's tagged templates: components are plain functions, no build step.
import { h, render, Fragment, createContext, Component } from "../vendor/preact.js";
import htm from "../vendor/htm.js";

export const html = htm.bind(h);
export { h, render, Fragment, createContext, Component };
export {
  useState, useEffect, useLayoutEffect, useRef, useMemo, useCallback, useReducer, useContext, useId,
} from "../vendor/hooks.js";
