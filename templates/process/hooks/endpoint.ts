
/** GET /plugins/{{namespace}}/{{name}}/hello?name=you → {"message": "Hello, you!"} */
async function handle_request(req: HttpRequestInput): Promise<HttpResponse> {
  const route = routeOf(req.path);
  if (route !== '/hello') return text(404, `no such route: ${route}`);
  const config = await getConfig();
  const greeting = typeof config.greeting === 'string' ? config.greeting : 'Hello';
  const message = `${greeting}, ${req.query.name ?? 'world'}!`;
  await log('info', `greeted: ${message}`);
  return json(200, { message });
}
