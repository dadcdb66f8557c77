-- One PostgreSQL instance, one database per service (each service owns its data: DESIGN.md §1).
CREATE DATABASE registry;
CREATE DATABASE monitoring;
CREATE DATABASE funds;
CREATE DATABASE notifications;
