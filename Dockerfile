# Node 22 is the current LTS; the code also runs on Node 20 (see package.json engines).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript directly, so runtime dependencies are all we install.
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY handlers ./handlers
COPY jobs ./jobs
# The Partner Center simulator, for `docker compose --profile simulator up` only: the bot never
# imports it (lint forbids it), it runs only when started on purpose with `npm run simulator`.
COPY fakes/partner-center ./fakes/partner-center
USER node
EXPOSE 3000
CMD ["npm", "start"]
