#!/usr/bin/env node
'use strict';
require('../dist/gan-studio.js');
