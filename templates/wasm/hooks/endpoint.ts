
/** GET /plugins/{{namespace}}/{{name}}/hello?name=you → {"message": "Hello, you!"} */
export function handle_request(): i32 {
  const req = readRequest();
  if (req.route == "/hello") {
    const config = getConfig();
    const greeting = config.ok ? config.value!.getString("greeting", "Hello") : "Hello";
    const message = greeting + ", " + req.param("name", "world") + "!";
    log(LogLevel.Info, "greeted: " + message);
    respondJson(200, Json.newObject().set("message", message));
  } else {
    respondText(404, "no such route: " + req.route);
  }
  return 0;
}
