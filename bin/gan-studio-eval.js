#!/usr/bin/env node
'use strict';
require('../dist/evalCli.js');
