/**
 * Custom functions entry (loaded by taskpane.html in the shared runtime and named as the Script in the
 * manifest). custom-functions-metadata-plugin appends CustomFunctions.associate(...) for every @customfunction
 * to the generated module, so importing it registers =PCN.NAME for the whole catalogue.
 */
import "./generated/functions";
